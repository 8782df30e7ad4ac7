package dev.cggm.train;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated features with a known imbalance: every position of the "text" modality carries a
 * strong class signal, the "image" modality a weak one (plus noise). Shapes fit the tiny preset.
 */
final class SyntheticFeatures {
    static final ModalityShape IMAGE = new ModalityShape("image", 5, 12);
    static final ModalityShape TEXT = new ModalityShape("text", 4, 10);

    private SyntheticFeatures() {
    }

    static InMemoryFeatureData classification(int classes, int train, int val, int test, long seed) {
        Random rng = new Random(seed);
        float[][] imageProto = prototypes(rng, classes, IMAGE.dim());
        float[][] textProto = prototypes(rng, classes, TEXT.dim());
        return new InMemoryFeatureData(Tasks.CLASSIFICATION, classes, names(classes), List.of(IMAGE, TEXT),
                split("train", train, rng, imageProto, textProto, classes),
                split("validation", val, rng, imageProto, textProto, classes),
                split("test", test, rng, imageProto, textProto, classes));
    }

    private static float[][] prototypes(Random rng, int classes, int dim) {
        float[][] p = new float[classes][dim];
        for (float[] row : p) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) rng.nextGaussian();
            }
        }
        return p;
    }

    private static InMemoryFeatureData.Split split(String name, int n, Random rng, float[][] imageProto,
                                                   float[][] textProto, int classes) {
        long[] labels = new long[n];
        float[] image = new float[n * IMAGE.valuesPerSample()];
        float[] text = new float[n * TEXT.valuesPerSample()];
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(classes);
            labels[i] = y;
            fill(image, i, IMAGE, imageProto[y], 0.35, rng);
            fill(text, i, TEXT, textProto[y], 1.5, rng);
        }
        return new InMemoryFeatureData.Split(name, List.of(IMAGE, TEXT), Map.of("image", image, "text", text),
                Targets.classes(labels), InMemoryFeatureData.ids(name + "-", n));
    }

    private static void fill(float[] dst, int row, ModalityShape m, float[] proto, double signal, Random rng) {
        int base = row * m.valuesPerSample();
        for (int l = 0; l < m.seqLen(); l++) {
            for (int d = 0; d < m.dim(); d++) {
                dst[base + l * m.dim() + d] = (float) (signal * proto[d] + rng.nextGaussian());
            }
        }
    }

    private static List<String> names(int classes) {
        List<String> n = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            n.add("class" + c);
        }
        return n;
    }
}
