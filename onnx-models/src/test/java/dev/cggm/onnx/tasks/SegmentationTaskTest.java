package dev.cggm.onnx.tasks;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The segmentation task on hand-computed label maps: Dice per region, its mean, batching, the loss. */
class SegmentationTaskTest {
    private static final Task SEG = Tasks.SEGMENTATION;
    private static final double EPS = 1e-3;

    /** Scores [C, H·W] for one sample whose argmax is {@code predicted} (score 1 on the class, 0 elsewhere). */
    private static float[] scoresOf(int classes, int... predicted) {
        float[] s = new float[classes * predicted.length];
        for (int p = 0; p < predicted.length; p++) {
            s[predicted[p] * predicted.length + p] = 1;
        }
        return s;
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static double dice(int inter, int predicted, int labelled) {
        return 2 * (inter + EPS) / (predicted + labelled + 2 * EPS);
    }

    @Test
    void bratsRegionsPerSampleThenAveraged() {
        // sample 0, 2x3 pixels: labels 0 1 2 / 3 3 0, predicted 0 1 1 / 3 2 2
        int[] label0 = {0, 1, 2, 3, 3, 0};
        int[] pred0 = {0, 1, 1, 3, 2, 2};
        // sample 1: no tumour, none predicted: every region is absent from both -> Dice 1
        int[] label1 = {0, 0, 0, 0, 0, 0};
        int[] pred1 = {0, 0, 0, 0, 0, 0};
        byte[] labels = new byte[12];
        for (int i = 0; i < 6; i++) {
            labels[i] = (byte) label0[i];
            labels[6 + i] = (byte) label1[i];
        }
        Targets t = Targets.labelMaps(labels, 2, 3);
        float[] out = concat(scoresOf(4, pred0), scoresOf(4, pred1));

        // sample 0 by hand: WT (label != 0): P = {1,2,3,4,5}, T = {1,2,3,4}, P∩T = 4
        double wt0 = dice(4, 5, 4);
        // TC (1 or 3): P = {1,2,3}, T = {1,3,4}, P∩T = {1,3}
        double tc0 = dice(2, 3, 3);
        // ET (3): P = {3}, T = {3,4}
        double et0 = dice(1, 1, 2);
        SegmentationMetrics m = (SegmentationMetrics) SEG.evaluate(out, 4, t);
        assertEquals((wt0 + 1) / 2, m.values().get("dice_wt"), 1e-12);
        assertEquals((tc0 + 1) / 2, m.values().get("dice_tc"), 1e-12);
        assertEquals((et0 + 1) / 2, m.values().get("dice_et"), 1e-12);
        double mean = ((wt0 + tc0 + et0) / 3 + 1) / 2;
        assertEquals(mean, m.score(), 1e-12);
        assertEquals(mean, m.values().get("dice"), 1e-12);
        assertEquals("dice", SEG.scoreMetric());
        // agreement = per-sample mean Dice averaged over the batch: the same number
        assertEquals(mean, SEG.agreement(out, 4, t), 1e-12);
    }

    @Test
    void batchesAccumulateToTheWholeSplit() {
        java.util.Random rng = new java.util.Random(3);
        int n = 5;
        int hw = 4 * 4;
        byte[] labels = new byte[n * hw];
        float[] out = new float[n * 4 * hw];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) rng.nextInt(4);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) rng.nextGaussian();
        }
        Targets t = Targets.labelMaps(labels, 4, 4);
        TaskMetrics whole = SEG.evaluate(out, 4, t);
        TaskMetrics.Accumulator a = SEG.accumulator(4, t);
        a.add(0, java.util.Arrays.copyOfRange(out, 0, 2 * 4 * hw), 2);
        a.add(2, java.util.Arrays.copyOfRange(out, 2 * 4 * hw, out.length), 3);
        assertEquals(whole.values(), a.result().values());
    }

    @Test
    void otherClassCountsUseEachForegroundClass() {
        Targets t = Targets.labelMaps(new byte[] {0, 1, 2, 2}, 2, 2);
        TaskMetrics m = SEG.evaluate(scoresOf(3, 0, 1, 1, 2), 3, t);
        assertEquals(java.util.List.of("dice", "dice_class1", "dice_class2"), java.util.List.copyOf(m.values().keySet()));
        assertEquals(dice(1, 2, 1), m.values().get("dice_class1"), 1e-12);
        assertEquals(dice(1, 1, 2), m.values().get("dice_class2"), 1e-12);
    }

    @Test
    void lossIsWeightedCrossEntropyPlusPooledSoftDice() throws Exception {
        // one sample, 4 classes, 1x3 pixels
        float[] scores = {0.5f, -1f, 2f, 1f, 0.2f, 0f, -0.3f, 0.7f, 1.5f, 0f, 0.1f, -2f};
        long[] labels = {0, 3, 2};
        GraphBuilder b = new GraphBuilder("seg_loss");
        Value s = b.input("scores", TensorType.of(DType.FLOAT, 1, 4, 1, 3));
        Value y = b.input("labels", SEG.targetType(Dim.of(1), DType.FLOAT, Dim.of(1), Dim.of(3)));
        b.output(SEG.loss(b, s, y), "loss");
        double got;
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(b.graph()))) {
            got = m.run(Map.of("scores", HostTensor.of(scores, 1, 4, 1, 3), "labels", HostTensor.of(labels, 1, 1, 3)),
                    "loss").get("loss").item();
        }
        double[] w = {0.2, 0.3, 0.25, 0.25};
        double ceNum = 0;
        double ceDen = 0;
        double inter = 0;
        double sumP = 0;
        double sumT = 0;
        for (int p = 0; p < 3; p++) {
            double z = 0;
            for (int c = 0; c < 4; c++) {
                z += Math.exp(scores[c * 3 + p]);
            }
            int yp = (int) labels[p];
            ceNum += w[yp] * -Math.log(Math.exp(scores[yp * 3 + p]) / z);
            ceDen += w[yp];
            for (int c = 1; c < 4; c++) {
                double prob = Math.exp(scores[c * 3 + p]) / z;
                sumP += prob;
                if (c == yp) {
                    inter += prob;
                    sumT += 1;
                }
            }
        }
        double expected = ceNum / ceDen + 1 - 2 * inter / (sumP + sumT + 0.01);
        assertEquals(expected, got, 1e-5);
    }

    @Test
    void targetsAreCheckedNamingSampleAndPixel() {
        Targets bad = Targets.labelMaps(new byte[] {0, 1, 0, 0, 0, 0, 4, 0}, 2, 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SEG.check(bad, 4, new String[] {"a", "case-7/slice-60"}, "train"));
        assertEquals("sample 'case-7/slice-60' of the train split has label 4 at pixel [1, 0], outside the 4 classes 0..3",
                e.getMessage());
        var shape = assertThrows(IllegalArgumentException.class,
                () -> SEG.check(Targets.classes(new long[] {1, 2}), 4, new String[] {"a", "b"}, "train"));
        assertTrue(shape.getMessage().contains("label map [H, W]"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SEG.targetType(Dim.sym("batch"), DType.FLOAT));
    }
}
