package dev.cggm.features.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * How images become {@code pixel_values}: resize to height × width — or, with
 * {@code shortestEdge} > 0, resize keeping the aspect ratio so the shorter side is
 * {@code shortestEdge} (the longer one rounded down) and cut the centred height × width out of
 * it — multiply by {@code rescaleFactor}, then normalise each channel as (x − mean) / std. Read
 * from a HuggingFace {@code preprocessor_config.json} (ViTImageProcessor fields, or
 * {@code size.shortest_edge} with {@code do_center_crop} and {@code crop_size} as CLIP's) or
 * given by flags. Resizing is bilinear with antialiasing when shrinking (as PIL's, which HF uses),
 * on float values (no rounding to 8 bits in between); the crop's offset is HF's
 * ((resized − crop) / 2, rounded down).
 */
public record PreprocessorConfig(int height, int width, double rescaleFactor, float[] mean, float[] std,
                                 int shortestEdge) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public PreprocessorConfig {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (shortestEdge < 0 || (shortestEdge > 0 && (shortestEdge < height || shortestEdge < width))) {
            throw new IllegalArgumentException("the shortest edge (" + shortestEdge + ") must be at least the crop size "
                    + height + "x" + width);
        }
        String problem = meanProblem(mean);
        if (problem == null) {
            problem = stdProblem(std);
        }
        if (problem != null) {
            throw new IllegalArgumentException("image " + problem);
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Resize straight to height × width (no crop). */
    public PreprocessorConfig(int height, int width, double rescaleFactor, float[] mean, float[] std) {
        this(height, width, rescaleFactor, mean, std, 0);
    }

    /** Whether the image is resized by its shorter side and centre-cropped. */
    public boolean centerCrop() {
        return shortestEdge > 0;
    }

    /**
     * What is wrong with a normalisation mean (3 finite values, R, G, B), or null. The one rule for
     * the constructor, the CLI's {@code --image-mean} and the API's {@code image_mean}.
     */
    public static String meanProblem(float[] mean) {
        if (mean.length != 3) {
            return "mean needs 3 values (R, G, B), got " + mean.length;
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                return "mean values must be finite, got " + Arrays.toString(mean);
            }
        }
        return null;
    }

    /**
     * What is wrong with a normalisation std (3 finite values > 0: pixels are divided by them), or
     * null. The one rule for the constructor, the CLI's {@code --image-std} and the API's {@code image_std}.
     */
    public static String stdProblem(float[] std) {
        if (std.length != 3) {
            return "std needs 3 values (R, G, B), got " + std.length;
        }
        for (float v : std) {
            if (!(v > 0) || !Float.isFinite(v)) {
                return "std values must be finite and > 0 (pixels are divided by them), got " + Arrays.toString(std);
            }
        }
        return null;
    }

    /** HF's ViT defaults (rescale 1/255, mean = std = 0.5) at the given size. */
    public static PreprocessorConfig vitDefaults(int size) {
        return new PreprocessorConfig(size, size, 1 / 255.0, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f});
    }

    /** Reads a {@code preprocessor_config.json}. */
    public static PreprocessorConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new FeatureException("cannot read preprocessor config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON of a {@code preprocessor_config.json}; {@code origin} names it in errors. */
    public static PreprocessorConfig parse(String json, String origin) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            JsonNode size = n.path("size");
            int h;
            int w;
            int shortest = 0;
            if (n.path("do_center_crop").asBoolean(false)) {
                if (!size.has("shortest_edge")) {
                    throw new IllegalArgumentException("do_center_crop is supported with size.shortest_edge only");
                }
                shortest = size.get("shortest_edge").asInt();
                JsonNode crop = n.path("crop_size");
                if (crop.isInt()) {
                    h = w = crop.asInt();
                } else if (crop.has("height") && crop.has("width")) {
                    h = crop.get("height").asInt();
                    w = crop.get("width").asInt();
                } else {
                    throw new IllegalArgumentException("do_center_crop needs a crop_size ({height, width})");
                }
            } else if (size.isInt()) {
                h = w = size.asInt();
            } else if (size.has("height") && size.has("width")) {
                h = size.get("height").asInt();
                w = size.get("width").asInt();
            } else if (size.has("shortest_edge")) {
                h = w = size.get("shortest_edge").asInt();
            } else {
                throw new IllegalArgumentException("no usable \"size\" (expected {height, width})");
            }
            if (!n.path("do_resize").asBoolean(true)) {
                throw new IllegalArgumentException("do_resize=false is not supported: encoders need a fixed input size");
            }
            double rescale = n.path("do_rescale").asBoolean(true) ? n.path("rescale_factor").asDouble(1 / 255.0) : 1.0;
            float[] mean = {0, 0, 0};
            float[] std = {1, 1, 1};
            if (n.path("do_normalize").asBoolean(true)) {
                mean = triple(n.path("image_mean"), "image_mean", new float[] {0.5f, 0.5f, 0.5f});
                std = triple(n.path("image_std"), "image_std", new float[] {0.5f, 0.5f, 0.5f});
            }
            return new PreprocessorConfig(h, w, rescale, mean, std, shortest);
        } catch (IOException | IllegalArgumentException e) {
            throw new FeatureException("preprocessor config " + origin + ": " + e.getMessage(), e);
        }
    }

    private static float[] triple(JsonNode a, String name, float[] dflt) {
        if (a.isMissingNode() || a.isNull()) {
            return dflt;
        }
        if (a.isNumber()) {
            float v = (float) a.asDouble();
            return new float[] {v, v, v};
        }
        if (!a.isArray() || a.size() != 3) {
            throw new IllegalArgumentException(name + " must be 3 numbers");
        }
        return new float[] {(float) a.get(0).asDouble(), (float) a.get(1).asDouble(), (float) a.get(2).asDouble()};
    }

    /** The same settings at another size (resized straight to it). */
    public PreprocessorConfig withSize(int h, int w) {
        return new PreprocessorConfig(h, w, rescaleFactor, mean, std);
    }

    /**
     * This configuration as a HuggingFace {@code preprocessor_config.json} (a
     * ViTImageProcessor's fields, or a CLIPImageProcessor's when centre-cropping), which
     * {@link #parse} reads back to an equal configuration.
     */
    public String toJson() {
        var n = JSON.createObjectNode();
        n.put("image_processor_type", centerCrop() ? "CLIPImageProcessor" : "ViTImageProcessor");
        n.put("do_resize", true);
        if (centerCrop()) {
            n.putObject("size").put("shortest_edge", shortestEdge);
            n.put("do_center_crop", true);
            n.putObject("crop_size").put("height", height).put("width", width);
        } else {
            n.putObject("size").put("height", height).put("width", width);
        }
        n.put("resample", 2);
        n.put("do_rescale", rescaleFactor != 1.0);
        n.put("rescale_factor", rescaleFactor);
        n.put("do_normalize", true);
        var m = n.putArray("image_mean");
        var s = n.putArray("image_std");
        for (int i = 0; i < 3; i++) {
            m.add(mean[i]);
            s.add(std[i]);
        }
        n.put("do_convert_rgb", true);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessorConfig p && p.height == height && p.width == width
                && p.shortestEdge == shortestEdge && p.rescaleFactor == rescaleFactor && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return ((height * 31 + width) * 31 + Double.hashCode(rescaleFactor)) * 31 + Arrays.hashCode(mean) * 7
                + Arrays.hashCode(std) + shortestEdge;
    }

    @Override
    public String toString() {
        String resize = centerCrop()
                ? String.format(Locale.ROOT, "resize shorter side to %d, centre crop %dx%d", shortestEdge, height, width)
                : String.format(Locale.ROOT, "resize %dx%d", height, width);
        return String.format(Locale.ROOT, "%s, rescale %.8g, mean %s, std %s", resize, rescaleFactor,
                Arrays.toString(mean), Arrays.toString(std));
    }
}
