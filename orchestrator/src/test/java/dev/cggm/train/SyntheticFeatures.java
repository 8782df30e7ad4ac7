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
        return classificationOfWidth(classes, train, val, test, seed, TEXT.dim());
    }

    /** As {@link #classification}, with text features of another width. */
    static InMemoryFeatureData classificationOfWidth(int classes, int train, int val, int test, long seed, int textWidth) {
        Random rng = new Random(seed);
        ModalityShape text = new ModalityShape("text", TEXT.seqLen(), textWidth);
        float[][] imageProto = prototypes(rng, classes, IMAGE.dim());
        float[][] textProto = prototypes(rng, classes, text.dim());
        return new InMemoryFeatureData(Tasks.CLASSIFICATION, classes, names(classes), List.of(IMAGE, text),
                split("train", train, rng, imageProto, textProto, classes, text),
                split("validation", val, rng, imageProto, textProto, classes, text),
                split("test", test, rng, imageProto, textProto, classes, text));
    }

    static final ModalityShape AUDIO = new ModalityShape("audio", 3, 6);

    /** Three modalities (image, text, audio), text the easy one, audio the weakest. */
    static InMemoryFeatureData classification3(int classes, int train, int val, int test, long seed) {
        Random rng = new Random(seed);
        float[][] imageProto = prototypes(rng, classes, IMAGE.dim());
        float[][] textProto = prototypes(rng, classes, TEXT.dim());
        float[][] audioProto = prototypes(rng, classes, AUDIO.dim());
        return new InMemoryFeatureData(Tasks.CLASSIFICATION, classes, names(classes), List.of(IMAGE, TEXT, AUDIO),
                split3("train", train, rng, imageProto, textProto, audioProto, classes),
                split3("validation", val, rng, imageProto, textProto, audioProto, classes),
                split3("test", test, rng, imageProto, textProto, audioProto, classes));
    }

    private static InMemoryFeatureData.Split split3(String name, int n, Random rng, float[][] imageProto,
                                                    float[][] textProto, float[][] audioProto, int classes) {
        long[] labels = new long[n];
        float[] image = new float[n * IMAGE.valuesPerSample()];
        float[] text = new float[n * TEXT.valuesPerSample()];
        float[] audio = new float[n * AUDIO.valuesPerSample()];
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(classes);
            labels[i] = y;
            fill(image, i, IMAGE, imageProto[y], 0.35, rng);
            fill(text, i, TEXT, textProto[y], 1.5, rng);
            fill(audio, i, AUDIO, audioProto[y], 0.2, rng);
        }
        return new InMemoryFeatureData.Split(name, List.of(IMAGE, TEXT, AUDIO),
                Map.of("image", image, "text", text, "audio", audio), Targets.classes(labels),
                InMemoryFeatureData.ids(name + "-", n));
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
                                                   float[][] textProto, int classes, ModalityShape textShape) {
        long[] labels = new long[n];
        float[] image = new float[n * IMAGE.valuesPerSample()];
        float[] text = new float[n * textShape.valuesPerSample()];
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(classes);
            labels[i] = y;
            fill(image, i, IMAGE, imageProto[y], 0.35, rng);
            fill(text, i, textShape, textProto[y], 1.5, rng);
        }
        return new InMemoryFeatureData.Split(name, List.of(IMAGE, textShape), Map.of("image", image, "text", text),
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
