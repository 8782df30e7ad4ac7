package dev.cggm.train;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.method.RunContext;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws a segmentation run's {@code segmentation.png} once training is over: picks a few
 * validation slices (per case the one with the most tumour, the largest cases), runs the eval
 * model on them and hands modalities, ground truth, the fused prediction and each modality
 * decoder's prediction to {@link SegmentationPicture}.
 */
final class SegmentationSnapshot {
    /** Slices drawn per run. */
    static final int SLICES = 4;

    /** Runs the eval model over given rows of the split (the trainer's batches). */
    @FunctionalInterface
    interface RowsEvaluator {
        void run(int[] rows, RunContext.BatchConsumer consumer);
    }

    private SegmentationSnapshot() {
    }

    /**
     * @param split      square image modalities [S, S] with label maps [S, S]
     * @param modalities the model's modalities, in its order
     * @param classes    the model's classes (score maps per sample)
     */
    static void write(java.nio.file.Path png, FeatureSplit split, List<String> modalities, int classes,
                      RowsEvaluator evaluator, String title) throws IOException {
        Targets targets = split.targets();
        int side = (int) targets.perSampleShape()[0];
        int pixels = targets.valuesPerSample();
        List<String> ids = new ArrayList<>();
        List<int[]> labelled = new ArrayList<>();
        for (int i = 0; i < split.size(); i++) {
            int n = 0;
            for (int p = 0; p < pixels; p++) {
                n += targets.longAt(i * pixels + p) != 0 ? 1 : 0;
            }
            ids.add(split.id(i));
            labelled.add(new int[] {n});
        }
        int[] rows = SegmentationPicture.choose(ids, labelled, SLICES);
        if (rows.length == 0) {
            return;
        }
        Map<String, FloatBuffer> images = new LinkedHashMap<>();
        for (String m : modalities) {
            FloatBuffer buf = FloatBuffer.allocate(rows.length * pixels);
            split.gather(m, rows, buf);
            images.put(m, buf);
        }
        List<SegmentationPicture.Slice> slices = new ArrayList<>();
        evaluator.run(rows, (batchRows, batchTargets, out) -> {
            for (int r = 0; r < batchRows.length; r++) {
                int at = slices.size();
                Map<String, float[]> image = new LinkedHashMap<>();
                images.forEach((m, buf) -> {
                    float[] v = new float[pixels];
                    buf.get(at * pixels, v);
                    image.put(m, v);
                });
                int[] truth = new int[pixels];
                for (int p = 0; p < pixels; p++) {
                    truth[p] = (int) batchTargets.longAt(r * pixels + p);
                }
                Map<String, int[]> predictions = new LinkedHashMap<>();
                int offset = r * classes * pixels;
                predictions.put("prediction", SegmentationPicture.argmax(out.output(), offset, classes, pixels));
                for (String m : modalities) {
                    predictions.put(m + " decoder", SegmentationPicture.argmax(out.modalityOutput(m), offset, classes, pixels));
                }
                slices.add(new SegmentationPicture.Slice(split.id(batchRows[r]), image, truth, predictions));
            }
        });
        SegmentationPicture.write(png, slices, side, title);
    }
}
