package dev.cggm.onnx.models;

import dev.cggm.onnx.tasks.Tasks;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named architectures. Sizes follow the official run scripts of the CGGM code; input widths and
 * sequence lengths are those of the reference's feature files and can be overridden.
 */
public final class Presets {
    private static final Map<String, CggmModelConfig> PRESETS = new TreeMap<>();

    static {
        // very small, for tests: every code path at a size that runs in milliseconds
        PRESETS.put("tiny", new CggmModelConfig(
                List.of(new Modality("image", 12, 5), new Modality("text", 10, 4)),
                Tasks.CLASSIFICATION, 3, 8, 2, 2, 1, 1, new Dropouts(0.1, 0.1, 0.1, 0.1, 0.1)));
        // Food-101: ViT (197 tokens) and BERT (50 tokens) last_hidden_state, 768-d
        PRESETS.put("food101", new CggmModelConfig(
                List.of(new Modality("image", 768, 197), new Modality("text", 768, 50)),
                Tasks.CLASSIFICATION, 101, 40, 5, 4, 2, 2, new Dropouts(0.2, 0.2, 0.15, 0.15, 0.1)));
        // CMU-MOSI (aligned features): GloVe text, COVAREP audio, Facet vision, 50 steps; L1 regression
        PRESETS.put("mosi", new CggmModelConfig(
                List.of(new Modality("text", 300, 50), new Modality("audio", 5, 50), new Modality("vision", 20, 50)),
                Tasks.REGRESSION, 1, 40, 5, 5, 3, 2, new Dropouts(0.2, 0.15, 0.15, 0.1, 0.1)));
        // IEMOCAP (4 emotions): BERT-large text, ComParE audio, DenseFace vision
        PRESETS.put("iemocap", new CggmModelConfig(
                List.of(new Modality("text", 1024, 22), new Modality("audio", 130, 350), new Modality("vision", 342, 50)),
                Tasks.CLASSIFICATION, 4, 40, 5, 4, 2, 2, new Dropouts(0.2, 0.15, 0.15, 0.15, 0.2)));
    }

    private Presets() {
    }

    /** The preset, or an error listing the known names. */
    public static CggmModelConfig get(String name) {
        CggmModelConfig c = PRESETS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "'; known presets: " + String.join(", ", names()));
        }
        return c;
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }
}
