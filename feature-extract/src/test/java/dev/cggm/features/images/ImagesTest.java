package dev.cggm.features.images;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagesTest {
    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void greyImagesKeepTheirValuesInEveryChannel(@TempDir Path tmp) throws Exception {
        BufferedImage grey = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 2, 0, 77);
        Path f = tmp.resolve("g.png");
        ImageIO.write(grey, "png", f.toFile());
        BufferedImage rgb = decoder.decode("s1", f);
        assertEquals(BufferedImage.TYPE_INT_RGB, rgb.getType());
        assertEquals(77 << 16 | 77 << 8 | 77, rgb.getRGB(1, 2) & 0xFFFFFF);
    }

    @Test
    void decodesJpegAndPng(@TempDir Path tmp) throws Exception {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (String fmt : new String[] {"png", "jpg"}) {
            Path f = tmp.resolve("x." + fmt);
            ImageIO.write(img, fmt, f.toFile());
            assertEquals(16, decoder.decode("s", f).getWidth());
        }
    }

    @Test
    void missingAndCorruptImagesNameTheSampleAndFile(@TempDir Path tmp) throws Exception {
        BadSampleException missing = assertThrows(BadSampleException.class, () -> decoder.decode("s7", tmp.resolve("no.png")));
        assertTrue(missing.getMessage().contains("s7") && missing.getMessage().contains("no.png"), missing.getMessage());
        Path junk = tmp.resolve("junk.jpg");
        Files.write(junk, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3, 4, 5});
        BadSampleException corrupt = assertThrows(BadSampleException.class, () -> decoder.decode("s8", junk));
        assertTrue(corrupt.getMessage().contains("s8") && corrupt.getMessage().contains("junk.jpg"), corrupt.getMessage());
        Path text = tmp.resolve("text.png");
        Files.writeString(text, "not an image");
        assertThrows(BadSampleException.class, () -> decoder.decode("s9", text));
    }

    @Test
    void normalisesAndResizes() {
        PreprocessorConfig cfg = PreprocessorConfig.vitDefaults(8);
        ImagePreprocessor pre = new ImagePreprocessor(cfg);
        BufferedImage img = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, 255 << 16 | 0 << 8 | 51);
            }
        }
        float[] px = pre.toPixels(img);
        assertEquals(3 * 8 * 8, px.length);
        for (int i = 0; i < 64; i++) {
            assertEquals(1f, px[i], 1e-5f);                 // R: (1 − 0.5)/0.5
            assertEquals(-1f, px[64 + i], 1e-5f);           // G: (0 − 0.5)/0.5
            assertEquals((0.2f - 0.5f) / 0.5f, px[128 + i], 1e-5f);
        }
        // a vertical edge shrunk 4x keeps the mean intensity (area-weighted, not aliased)
        BufferedImage edge = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 16; x++) {
                edge.setRGB(x, y, 0xFFFFFF);
            }
        }
        float[] e = new ImagePreprocessor(new PreprocessorConfig(8, 8, 1 / 255.0, new float[3], new float[] {1, 1, 1}))
                .toPixels(edge);
        double mean = 0;
        for (int i = 0; i < 64; i++) {
            mean += e[i] / 64;
        }
        assertEquals(0.5, mean, 1e-3);
        assertEquals(1.0, e[0], 1e-6);
        assertEquals(0.0, e[7], 1e-6);
    }

    @Test
    void readsHuggingFacePreprocessorConfigs() {
        PreprocessorConfig c = PreprocessorConfig.parse("""
                {"do_normalize": true, "do_rescale": true, "do_resize": true,
                 "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
                 "resample": 2, "rescale_factor": 0.00392156862745098, "size": {"height": 224, "width": 224}}""", "t");
        assertEquals(224, c.height());
        assertEquals(0.229f, c.std()[0], 1e-7f);
        assertThrows(FeatureException.class, () -> PreprocessorConfig.parse("{\"do_center_crop\": true, \"size\": 4}", "t"));
        assertThrows(FeatureException.class, () -> PreprocessorConfig.parse("{\"size\": {}}", "t"));
    }

    /** Shorter side to S, then the centred crop: the same pixels as resizing to that size and cutting them out. */
    @Test
    void centreCropIsTheMiddleOfTheAspectKeepingResize() {
        BufferedImage img = new BufferedImage(45, 30, BufferedImage.TYPE_INT_RGB);
        java.util.Random rng = new java.util.Random(5);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 45; x++) {
                img.setRGB(x, y, rng.nextInt(1 << 24));
            }
        }
        float[] mean = {127, 127, 127};
        float[] std = {128, 128, 128};
        PreprocessorConfig crop = new PreprocessorConfig(7, 7, 1.0, mean, std, 8);   // 45x30 → 12x8, crop 7x7
        float[] cut = new ImagePreprocessor(crop).toPixels(img);
        float[] full = new ImagePreprocessor(new PreprocessorConfig(8, 12, 1.0, mean, std)).toPixels(img);
        int top = (8 - 7) / 2;
        int left = (12 - 7) / 2;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 7; y++) {
                for (int x = 0; x < 7; x++) {
                    // exactly: only the crop window is resampled, with the same sums in the same order
                    assertEquals(full[c * 96 + (y + top) * 12 + x + left], cut[c * 49 + y * 7 + x], 0f);
                }
            }
        }
        // enlarging (the demo's 64² images go to 256², crop 224): the same
        float[] upCut = new ImagePreprocessor(new PreprocessorConfig(14, 14, 1.0, mean, std, 20)).toPixels(img);
        float[] upFull = new ImagePreprocessor(new PreprocessorConfig(20, 30, 1.0, mean, std)).toPixels(img);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 14; y++) {
                for (int x = 0; x < 14; x++) {
                    assertEquals(upFull[c * 600 + (y + 3) * 30 + x + 8], upCut[c * 196 + y * 14 + x], 0f);
                }
            }
        }
        // a portrait image: the width becomes S and the height ⌊S·h/w⌋; an image already at the
        // resized size is only cropped
        BufferedImage tall = new BufferedImage(8, 11, BufferedImage.TYPE_INT_RGB);
        tall.setRGB(3, 5, 0xFFFFFF);
        float[] t = new ImagePreprocessor(crop).toPixels(tall);
        assertEquals((255 - 127) / 128f, t[(5 - 2) * 7 + 3 - 0], 1e-6f);              // top ⌊(11−7)/2⌋ = 2, left 0
        assertEquals(3 * 49, t.length);
    }

    @Test
    void centreCropConfigsRoundTripThroughHuggingFaceJson() {
        PreprocessorConfig c = new PreprocessorConfig(224, 224, 1.0, new float[] {127, 127, 127},
                new float[] {128, 128, 128}, 256);
        String json = c.toJson();
        assertTrue(json.contains("\"shortest_edge\" : 256") && json.contains("\"do_center_crop\" : true"), json);
        assertEquals(c, PreprocessorConfig.parse(json, "t"));
        PreprocessorConfig plain = PreprocessorConfig.vitDefaults(64);
        assertEquals(plain, PreprocessorConfig.parse(plain.toJson(), "t"));
        FeatureException tooSmall = assertThrows(FeatureException.class, () -> PreprocessorConfig.parse("""
                {"size": {"shortest_edge": 200}, "do_center_crop": true, "crop_size": {"height": 224, "width": 224}}""",
                "t"));
        assertTrue(tooSmall.getMessage().contains("shortest edge"), tooSmall.getMessage());
    }

    /**
     * Files that trip up plain ImageIO in real photo collections. Made with Pillow (test
     * resources/images): a CMYK JPEG with an Adobe marker (C=0, M=Y=100%, K=0, i.e. red), a
     * progressive JPEG (green), a 16-bit greyscale PNG (value 32896 ≈ 128/255) and a palette PNG.
     */
    @Test
    void decodesCmykProgressiveSixteenBitAndPaletteImages() throws Exception {
        int red = decoder.decode("cmyk", resource("cmyk.jpg")).getRGB(10, 10);
        assertTrue((red >> 16 & 255) > 200 && (red >> 8 & 255) < 80 && (red & 255) < 80, Integer.toHexString(red));
        int green = decoder.decode("prog", resource("progressive.jpg")).getRGB(5, 5);
        assertTrue((green >> 8 & 255) > 170 && (green >> 16 & 255) < 60, Integer.toHexString(green));
        int grey = decoder.decode("g16", resource("grey16.png")).getRGB(3, 3) & 0xFFFFFF;
        assertEquals(128 << 16 | 128 << 8 | 128, grey);
        int blue = decoder.decode("pal", resource("palette.png")).getRGB(2, 2);
        assertTrue((blue & 255) > 150, Integer.toHexString(blue));
    }

    private static Path resource(String name) throws Exception {
        return Path.of(ImagesTest.class.getResource("/images/" + name).toURI());
    }
}
