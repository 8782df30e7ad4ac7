package dev.cggm.features.images;

import dev.cggm.features.BadSampleException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes JPEG and PNG (and any other format an ImageIO plugin reads) into 8-bit RGB. The
 * TwelveMonkeys JPEG plugin on the class path handles what the JDK's reader rejects in real
 * photo collections: CMYK/YCCK JPEGs, broken or unusual markers, embedded ICC profiles.
 * Grayscale, palette and alpha images are converted to RGB (alpha dropped). Stateless and
 * thread-safe.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // no temp files; decode in memory
        ImageIO.scanForPlugins();
    }

    /** Decodes {@code file}; every failure is a {@link BadSampleException} naming the sample and the file. */
    public BufferedImage decode(String sampleId, Path file) throws BadSampleException {
        if (!Files.isRegularFile(file)) {
            throw new BadSampleException(sampleId, file, "image not found");
        }
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new BadSampleException(sampleId, file, "cannot open image");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadSampleException(sampleId, file, "not a readable image (unknown or corrupt format)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (NoSuchFileException e) {
            throw new BadSampleException(sampleId, file, "image not found", e);
        } catch (IOException | RuntimeException e) {
            throw new BadSampleException(sampleId, file, "corrupt image: " + message(e), e);
        }
        if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
            throw new BadSampleException(sampleId, file, "image has no pixels");
        }
        return toRgb(img);
    }

    /**
     * The image as TYPE_INT_RGB (returned as is when it already is). Grey images have their grey
     * value copied to R, G and B (as PIL's {@code convert("RGB")}; Java2D's own conversion would
     * treat the grey as linear and brighten it); everything else goes through its colour model
     * to sRGB, dropping alpha.
     */
    static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        ColorModel cm = img.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(cm instanceof IndexColorModel)) {
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            int max = (1 << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits == 8 ? row[x] : (int) Math.round(row[x] * 255.0 / max);
                    dst[y * w + x] = v << 16 | v << 8 | v;
                }
            }
        } else {
            img.getRGB(0, 0, w, h, dst, 0, w);
            for (int i = 0; i < dst.length; i++) {
                dst[i] &= 0xFFFFFF;
            }
        }
        return rgb;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
