package dev.cggm.features.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The built-in demo dataset: generated, deterministic, image + text, 10 classes, with a
 * deliberate modality imbalance — <b>text is the easy modality, images the hard one</b>, as in
 * Food-101 where the recipe text dominates.
 *
 * <p>Each sample has a class (a shape: circle, square, …), a colour and a generated 64×64 image
 * and sentence:
 * <ul>
 *   <li>Text: a short sentence that names the class by one of three synonyms in 80% of samples
 *       ("a red disc on a wooden table"); the other 20% use a generic noun ("a red object …") and
 *       carry no class information. A text-only model can reach ≈ 82% accuracy.</li>
 *   <li>Image: the class's shape near the centre, upright within ±10°, large, in the sample's
 *       colour (which says nothing about the class), over a random background with per-pixel
 *       noise; 15% are "hard" (smaller, low-contrast, clutter strokes, strong noise). Every image
 *       shows its class, but through the default (seeded, untrained) ViT the image branch learns
 *       much more slowly than the text branch: an image-only model of the reference encoder
 *       reaches ≈ 50% after 8 epochs where a text-only one is at ≈ 82%. A fused model can beat
 *       the text ceiling only by using the images, for the 20% of generic sentences.</li>
 * </ul>
 * Images are written as PNG (80% RGB, 10% greyscale) and JPEG (10%) to exercise decoding. The
 * split sizes default to 2,000 / 500 / 500 (train / validation / test); classes are balanced.
 * Everything is drawn from {@code Random(seed, sample index)}, so the same spec gives the same
 * manifest and pixels on every machine with the same JDK.
 *
 * <p>Layout written: {@code manifest.jsonl} (read as {@link JsonlDataset}), {@code labels.txt},
 * {@code images/<split>/<id>.png|jpg}, {@code README.txt} and a completion marker; preparing an
 * already complete directory with the same spec does nothing.
 */
public final class DemoDataset {
    /** Class names, in label order. */
    public static final List<String> CLASSES = List.of("circle", "square", "triangle", "cross", "ring", "diamond",
            "star", "stripes", "crescent", "arrow");
    /** Image side in pixels (the default image encoder's input size: no resizing needed). */
    public static final int IMAGE_SIZE = 64;
    /** Probability that a sample's text names its class. */
    public static final double TEXT_INFORMATIVE = 0.8;
    /** Probability of a hard image (small, low-contrast shape). */
    public static final double HARD_IMAGE = 0.5;
    static final String MARKER = ".demo-complete";
    static final int VERSION = 2;

    private static final String[][] SYNONYMS = {
            {"circle", "disc", "round"}, {"square", "box", "block"}, {"triangle", "wedge", "pyramid"},
            {"cross", "plus", "crossing"}, {"ring", "donut", "hoop"}, {"diamond", "rhombus", "lozenge"},
            {"star", "asterisk", "sparkle"}, {"stripes", "bars", "lines"}, {"crescent", "moon", "sickle"},
            {"arrow", "pointer", "chevron"}};
    private static final String[] GENERIC = {"object", "thing", "item", "shape", "piece", "figure"};
    private static final String[] COLOUR_NAMES = {"red", "green", "blue", "yellow", "purple", "orange", "white", "cyan"};
    private static final Color[] COLOURS = {new Color(220, 40, 40), new Color(40, 190, 60), new Color(50, 80, 230),
            new Color(235, 220, 40), new Color(150, 60, 200), new Color(245, 140, 30), new Color(240, 240, 240),
            new Color(40, 210, 220)};
    private static final String[] TEMPLATES = {
            "a %s %s on a %s table", "photo of a %s %s next to a %s cup", "close up of the %s %s, %s light",
            "%s %s drawn on %s paper", "someone left a %s %s near the %s window", "the %s %s looks %s today"};
    private static final String[] FILLER = {"wooden", "plain", "grey", "dim", "bright", "old", "small", "large",
            "quiet", "busy", "soft", "rough"};

    /** Split sizes and seed. */
    public record Spec(int train, int validation, int test, long seed) {
        public Spec {
            if (train <= 0 || validation < 0 || test < 0) {
                throw new IllegalArgumentException("demo split sizes must be train > 0, validation/test >= 0");
            }
        }

        /** 2,000 / 500 / 500 samples, seed 7. */
        public static Spec standard() {
            return new Spec(2000, 500, 500, 7);
        }

        public int total() {
            return train + validation + test;
        }

        String describe() {
            return "demo v" + VERSION + " train=" + train + " validation=" + validation + " test=" + test + " seed=" + seed;
        }
    }

    private DemoDataset() {
    }

    /** Prepares the standard demo in {@code dir} (if not already there) and opens it. */
    public static Dataset open(Path dir) throws IOException {
        return JsonlDataset.open(prepare(dir), "demo");
    }

    /** Prepares the standard demo dataset in {@code dir}; returns the manifest path. */
    public static Path prepare(Path dir) throws IOException {
        return prepare(dir, Spec.standard());
    }

    /**
     * Generates the dataset into {@code dir} unless a complete one with the same spec is there.
     * Returns the path of {@code manifest.jsonl}.
     */
    public static Path prepare(Path dir, Spec spec) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        Path manifest = root.resolve(JsonlDataset.MANIFEST);
        Path marker = root.resolve(MARKER);
        if (Files.isRegularFile(marker) && Files.readString(marker).strip().equals(spec.describe())
                && Files.isRegularFile(manifest)) {
            return manifest;
        }
        Files.createDirectories(root);
        Files.deleteIfExists(marker);
        String[] splits = {"train", "validation", "test"};
        int[] sizes = {spec.train(), spec.validation(), spec.test()};
        List<String[]> index = new ArrayList<>(); // global sample index → (split, local index)
        for (int s = 0; s < splits.length; s++) {
            Files.createDirectories(root.resolve("images").resolve(splits[s]));
            for (int i = 0; i < sizes[s]; i++) {
                index.add(new String[] {splits[s], Integer.toString(i)});
            }
        }
        String[] lines = new String[index.size()];
        ObjectMapper json = new ObjectMapper();
        IntStream.range(0, index.size()).parallel().forEach(g -> {
            String split = index.get(g)[0];
            int local = Integer.parseInt(index.get(g)[1]);
            try {
                lines[g] = generate(root, json, spec.seed(), g, split, local);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Path tmp = root.resolve(JsonlDataset.MANIFEST + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
        }
        Files.move(tmp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Labels.write(root, CLASSES);
        Files.writeString(root.resolve("README.txt"), readme(spec), StandardCharsets.UTF_8);
        Files.writeString(marker, spec.describe() + "\n", StandardCharsets.UTF_8);
        return manifest;
    }

    private static String generate(Path root, ObjectMapper json, long seed, int g, String split, int local)
            throws IOException {
        Random rng = new Random(seed * 1_000_003L + g);
        int cls = g % CLASSES.size();
        int colour = rng.nextInt(COLOURS.length);
        boolean hard = rng.nextDouble() < HARD_IMAGE;
        BufferedImage img = draw(rng, cls, COLOURS[colour], hard);

        double kind = rng.nextDouble();
        String id = split + "-" + String.format("%05d", local);
        String ext = kind < 0.9 ? "png" : "jpg";
        String rel = "images/" + split + "/" + id + "." + ext;
        Path file = root.resolve(rel);
        if (kind < 0.8) {
            ImageIO.write(img, "png", file.toFile());
        } else if (kind < 0.9) {
            BufferedImage grey = new BufferedImage(IMAGE_SIZE, IMAGE_SIZE, BufferedImage.TYPE_BYTE_GRAY);
            int[] rgb = img.getRGB(0, 0, IMAGE_SIZE, IMAGE_SIZE, null, 0, IMAGE_SIZE);
            for (int i = 0; i < rgb.length; i++) {
                int p = rgb[i];
                int y = (int) Math.round(0.299 * (p >> 16 & 255) + 0.587 * (p >> 8 & 255) + 0.114 * (p & 255));
                grey.getRaster().setSample(i % IMAGE_SIZE, i / IMAGE_SIZE, 0, y);
            }
            ImageIO.write(grey, "png", file.toFile());
        } else {
            ImageIO.write(img, "jpg", file.toFile());
        }

        String noun = rng.nextDouble() < TEXT_INFORMATIVE ? SYNONYMS[cls][rng.nextInt(3)]
                : GENERIC[rng.nextInt(GENERIC.length)];
        String template = TEMPLATES[rng.nextInt(TEMPLATES.length)];
        String text = String.format(template, COLOUR_NAMES[colour], noun, FILLER[rng.nextInt(FILLER.length)]);

        ObjectNode n = json.createObjectNode();
        n.put("id", id);
        n.put("text", text);
        n.put("image", rel);
        n.put("label", CLASSES.get(cls));
        n.put("split", split);
        return json.writeValueAsString(n);
    }

    private static BufferedImage draw(Random rng, int cls, Color colour, boolean hard) {
        int s = IMAGE_SIZE;
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            Color background = new Color(rng.nextInt(120), rng.nextInt(120), rng.nextInt(120));
            g.setColor(background);
            g.fillRect(0, 0, s, s);
            for (int k = 0, n = hard ? 3 + rng.nextInt(4) : 0; k < n; k++) { // clutter strokes on hard images
                g.setColor(COLOURS[rng.nextInt(COLOURS.length)].darker());
                g.setStroke(new BasicStroke(1 + rng.nextInt(2)));
                g.drawLine(rng.nextInt(s), rng.nextInt(s), rng.nextInt(s), rng.nextInt(s));
            }
            // near the centre, upright within ±10° (a square turned 45° would be a diamond)
            double size = hard ? 18 + rng.nextInt(9) : 40 + rng.nextInt(11);
            double cx = s / 2.0 + (rng.nextDouble() * 2 - 1) * 4;
            double cy = s / 2.0 + (rng.nextDouble() * 2 - 1) * 4;
            AffineTransform at = new AffineTransform();
            at.translate(cx, cy);
            at.rotate(Math.toRadians((rng.nextDouble() * 2 - 1) * 10));
            at.scale(size / 2, size / 2);
            Color c = hard ? blend(colour, background, 0.35) : colour;
            g.setColor(c);
            g.fill(at.createTransformedShape(shape(cls)));
        } finally {
            g.dispose();
        }
        double sigma = hard ? 45 : 12;                                     // per-pixel noise
        int[] px = img.getRGB(0, 0, s, s, null, 0, s);
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            int r = clamp((p >> 16 & 255) + rng.nextGaussian() * sigma);
            int gg = clamp((p >> 8 & 255) + rng.nextGaussian() * sigma);
            int b = clamp((p & 255) + rng.nextGaussian() * sigma);
            px[i] = r << 16 | gg << 8 | b;
        }
        img.setRGB(0, 0, s, s, px, 0, s);
        return img;
    }

    private static Color blend(Color a, Color b, double t) {
        return new Color((int) (a.getRed() * t + b.getRed() * (1 - t)), (int) (a.getGreen() * t + b.getGreen() * (1 - t)),
                (int) (a.getBlue() * t + b.getBlue() * (1 - t)));
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The class's glyph in the unit square [-1, 1]². */
    private static Shape shape(int cls) {
        return switch (cls) {
            case 0 -> new Ellipse2D.Double(-1, -1, 2, 2);
            case 1 -> new Rectangle2D.Double(-0.85, -0.85, 1.7, 1.7);
            case 2 -> polygon(0, -1, 0.95, 0.8, -0.95, 0.8);
            case 3 -> {
                Area a = new Area(new Rectangle2D.Double(-1, -0.3, 2, 0.6));
                a.add(new Area(new Rectangle2D.Double(-0.3, -1, 0.6, 2)));
                yield a;
            }
            case 4 -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.55, -0.55, 1.1, 1.1)));
                yield a;
            }
            case 5 -> polygon(0, -1, 0.6, 0, 0, 1, -0.6, 0);
            case 6 -> {
                double[] xy = new double[20];
                for (int k = 0; k < 10; k++) {
                    double r = k % 2 == 0 ? 1 : 0.42;
                    double t = -Math.PI / 2 + k * Math.PI / 5;
                    xy[2 * k] = r * Math.cos(t);
                    xy[2 * k + 1] = r * Math.sin(t);
                }
                yield polygon(xy);
            }
            case 7 -> {
                Area a = new Area();
                for (int k = 0; k < 3; k++) {
                    a.add(new Area(new Rectangle2D.Double(-1, -1 + k * 0.75, 2, 0.45)));
                }
                yield a;
            }
            case 8 -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.45, -1.1, 2, 2)));
                yield a;
            }
            default -> polygon(-1, -0.25, 0.2, -0.25, 0.2, -0.7, 1, 0, 0.2, 0.7, 0.2, 0.25, -1, 0.25);
        };
    }

    private static Shape polygon(double... xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) {
            p.lineTo(xy[i], xy[i + 1]);
        }
        p.closePath();
        return p;
    }

    private static String readme(Spec spec) {
        return """
                cggm demo dataset (generated by dev.cggm.features.datasets.DemoDataset; %s)

                10 classes (shapes): %s. Each sample: a 64x64 image of the class's shape (random
                colour, near the centre, upright within 10 degrees, pixel noise; 15%% hard: smaller,
                low-contrast, clutter, strong noise) and a sentence naming the class by a synonym
                in 80%% of samples (a generic noun otherwise). Text is the easy modality, images the
                hard one.

                manifest.jsonl: one {id, text, image, label, split} per line; labels.txt: class order.
                """.formatted(spec.describe(), String.join(", ", CLASSES));
    }
}
