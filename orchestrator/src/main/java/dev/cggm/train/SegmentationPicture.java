package dev.cggm.train;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PNG of a segmentation run: one row per chosen validation slice — each modality in grey, then
 * the ground truth, the model's prediction and each modality decoder's prediction, overlaid on the
 * first modality (necrotic core red, oedema green, enhancing tumour yellow).
 */
public final class SegmentationPicture {
    /** Label colours (index = class), as BraTS figures draw them. */
    static final Color[] COLOURS = {null, new Color(230, 40, 40), new Color(40, 200, 60), new Color(250, 220, 30)};
    private static final int HEADER = 28;
    private static final int LEFT = 170;

    /**
     * One slice to draw.
     *
     * @param id          its sample id
     * @param images      modality → [S·S] values, row-major, in model order
     * @param truth       [S·S] labels
     * @param predictions title → [S·S] predicted labels ("prediction", "flair decoder", …)
     */
    public record Slice(String id, Map<String, float[]> images, int[] truth, Map<String, int[]> predictions) {
    }

    private SegmentationPicture() {
    }

    /**
     * The rows worth drawing: per case (the id before '/'), its slice with the most labelled
     * pixels; the {@code count} cases with the largest such slices, in id order.
     */
    public static int[] choose(List<String> ids, List<int[]> labelCounts, int count) {
        Map<String, Integer> best = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            String c = ids.get(i).contains("/") ? ids.get(i).substring(0, ids.get(i).indexOf('/')) : ids.get(i);
            Integer b = best.get(c);
            if (b == null || labelCounts.get(i)[0] > labelCounts.get(b)[0]) {
                best.put(c, i);
            }
        }
        List<Integer> rows = new ArrayList<>(best.values());
        rows.sort((a, b) -> Integer.compare(labelCounts.get(b)[0], labelCounts.get(a)[0]));
        return rows.subList(0, Math.min(count, rows.size())).stream().sorted().mapToInt(Integer::intValue).toArray();
    }

    /** The predicted class of each pixel: the first maximum of {@code classes} score maps [C, S·S] from {@code offset}. */
    public static int[] argmax(float[] scores, int offset, int classes, int pixels) {
        int[] out = new int[pixels];
        for (int p = 0; p < pixels; p++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (scores[offset + c * pixels + p] > scores[offset + best * pixels + p]) {
                    best = c;
                }
            }
            out[p] = best;
        }
        return out;
    }

    public static void write(Path png, List<Slice> slices, int side, String title) throws IOException {
        if (slices.isEmpty()) {
            return;
        }
        int scale = Math.max(1, (160 + side - 1) / side);
        int tile = side * scale;
        List<String> columns = new ArrayList<>(slices.get(0).images().keySet());
        columns.add("ground truth");
        columns.addAll(slices.get(0).predictions().keySet());
        int width = LEFT + columns.size() * (tile + 4);
        int height = 2 * HEADER + slices.size() * (tile + 4);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title + "   (necrotic core red, oedema green, enhancing tumour yellow)", 8, 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (int c = 0; c < columns.size(); c++) {
                g.drawString(columns.get(c), LEFT + c * (tile + 4), 2 * HEADER - 8);
            }
            for (int r = 0; r < slices.size(); r++) {
                Slice s = slices.get(r);
                int y = 2 * HEADER + r * (tile + 4);
                g.setColor(Color.BLACK);
                g.drawString(s.id(), 8, y + tile / 2);
                int c = 0;
                float[] base = s.images().values().iterator().next();
                for (float[] image : s.images().values()) {
                    g.drawImage(grey(image, side, scale), LEFT + c++ * (tile + 4), y, null);
                }
                g.drawImage(overlay(base, s.truth(), side, scale), LEFT + c++ * (tile + 4), y, null);
                for (int[] p : s.predictions().values()) {
                    g.drawImage(overlay(base, p, side, scale), LEFT + c++ * (tile + 4), y, null);
                }
            }
        } finally {
            g.dispose();
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The image in grey, its 1st..99th percentile mapped to black..white, scaled up by pixel replication. */
    private static BufferedImage grey(float[] v, int side, int scale) {
        float[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        float lo = sorted[(int) (0.01 * (sorted.length - 1))];
        float hi = sorted[(int) (0.99 * (sorted.length - 1))];
        float range = hi > lo ? hi - lo : 1;
        BufferedImage out = new BufferedImage(side * scale, side * scale, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                int g = (int) Math.max(0, Math.min(255, 255 * (v[i * side + j] - lo) / range));
                fill(out, i, j, scale, new Color(g, g, g).getRGB());
            }
        }
        return out;
    }

    private static BufferedImage overlay(float[] base, int[] labels, int side, int scale) {
        BufferedImage out = grey(base, side, scale);
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                int l = labels[i * side + j];
                if (l > 0 && l < COLOURS.length) {
                    Color under = new Color(out.getRGB(j * scale, i * scale));
                    Color c = COLOURS[l];
                    Color mixed = new Color((under.getRed() + 2 * c.getRed()) / 3, (under.getGreen() + 2 * c.getGreen()) / 3,
                            (under.getBlue() + 2 * c.getBlue()) / 3);
                    fill(out, i, j, scale, mixed.getRGB());
                }
            }
        }
        return out;
    }

    /** Pixel (row i, column j) of the slice as a scale × scale block. */
    private static void fill(BufferedImage img, int i, int j, int scale, int rgb) {
        for (int a = 0; a < scale; a++) {
            for (int b = 0; b < scale; b++) {
                img.setRGB(j * scale + b, i * scale + a, rgb);
            }
        }
    }
}
