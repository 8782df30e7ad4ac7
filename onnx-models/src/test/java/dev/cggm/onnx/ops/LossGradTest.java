package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.SoftDice;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.cggm.onnx.ops.OpHarness.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of SoftmaxCrossEntropyLoss (per sample and per pixel), the builder's
 * soft Dice, L1 and MSE losses; the weighted mean and the Dice formula against hand computation.
 */
class LossGradTest {
    static final Dim BATCH = Dim.sym("batch");
    static final long N = 5;
    static final long C = 4;
    /** Sample 3's label is the ignore index in the ignore cases. */
    static final long[] LABELS = {2, 0, 3, 1, 2};
    static final long[] LABELS_WITH_IGNORED = {2, 0, 3, -100, 2};

    static Stream<Arguments> sceCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            for (boolean weights : new boolean[] {false, true}) {
                for (boolean ignore : new boolean[] {false, true}) {
                    cases.add(Arguments.of(reduction, weights, ignore));
                }
            }
        }
        return cases.stream();
    }

    private static Value[] sce(OpHarness h, String reduction, boolean weights, boolean ignore) {
        Value scores = h.param("scores", h.random(uniform(-2, 2), N, C), BATCH, Dim.of(C));
        Value labels = h.data("labels", HostTensor.of(ignore ? LABELS_WITH_IGNORED : LABELS, N), BATCH);
        List<Value> ins = new ArrayList<>(List.of(scores, labels));
        if (weights) {
            ins.add(h.data("weights", h.random(uniform(0.2, 2), C)));
        }
        var attrs = new ArrayList<>(List.of(Attr.s("reduction", reduction)));
        if (ignore) {
            attrs.add(Attr.i("ignore_index", -100));
        }
        return new Value[] {h.b.op1("SoftmaxCrossEntropyLoss", ins, attrs.toArray(ai.onnx.proto.OnnxMl.AttributeProto[]::new))};
    }

    @ParameterizedTest(name = "SoftmaxCrossEntropyLoss double reduction={0} weights={1} ignore_index={2}")
    @MethodSource("sceCases")
    void softmaxCrossEntropyDouble(String reduction, boolean weights, boolean ignore) throws Exception {
        OpHarness h = OpHarness.doubles(reduction.hashCode() + (weights ? 2 : 0) + (ignore ? 1 : 0));
        // the ignored sample's row must get exactly zero; the other rows keep the gradient non-zero
        h.check(sce(h, reduction, weights, ignore));
    }

    @ParameterizedTest(name = "SoftmaxCrossEntropyLoss float reduction={0} weights={1} ignore_index={2}")
    @MethodSource("sceCases")
    void softmaxCrossEntropyFloat(String reduction, boolean weights, boolean ignore) throws Exception {
        OpHarness.checkFloatAgainstDouble(reduction.hashCode() + (weights ? 2 : 0) + (ignore ? 1 : 0),
                h -> sce(h, reduction, weights, ignore));
    }

    /** With the class count symbolic, the one-hot depth is read from the scores' shape at run time. */
    @Test
    void softmaxCrossEntropyWithSymbolicClassCount() throws Exception {
        OpHarness h = OpHarness.doubles(59);
        Value scores = h.param("scores", h.random(uniform(-2, 2), N, C), BATCH, Dim.sym("classes"));
        Value labels = h.data("labels", HostTensor.of(LABELS_WITH_IGNORED, N), BATCH);
        Value weights = h.data("weights", h.random(uniform(0.2, 2), C), Dim.sym("classes"));
        h.check(h.b.op1("SoftmaxCrossEntropyLoss", List.of(scores, labels, weights),
                Attr.s("reduction", "mean"), Attr.i("ignore_index", -100)));
    }

    @Test
    void softmaxCrossEntropyWithInt32Labels() throws Exception {
        OpHarness h = OpHarness.doubles(58);
        Value scores = h.param("scores", h.random(uniform(-2, 2), N, C), BATCH, Dim.of(C));
        Value labels = h.b.cast(h.data("labels", HostTensor.of(LABELS_WITH_IGNORED, N), BATCH), DType.INT32);
        Value weights = h.data("weights", h.random(uniform(0.2, 2), C));
        h.check(h.b.op1("SoftmaxCrossEntropyLoss", List.of(scores, labels, weights),
                Attr.s("reduction", "sum"), Attr.i("ignore_index", -100)));
    }

    /** The builder's helper, as the models call it, inside a small classifier. */
    @Test
    void builderSoftmaxCrossEntropyOfALinearLayer() throws Exception {
        OpHarness h = OpHarness.doubles(60);
        Value x = h.data("x", h.random(OpHarness.STANDARD, N, 3), BATCH, Dim.of(3));
        Value w = h.param("w", C, 3);
        Value bias = h.param("bias", C);
        Value labels = h.data("labels", HostTensor.of(LABELS, N), BATCH);
        h.check(h.b.softmaxCrossEntropy(h.b.linear(x, w, bias), labels, null));
    }

    @Test
    void gradientThroughLogProbIsAClearError() throws Exception {
        OpHarness h = OpHarness.doubles(61);
        Value scores = h.param("scores", N, C);
        Value labels = h.data("labels", HostTensor.of(LABELS, N));
        List<Value> outs = h.b.op("SoftmaxCrossEntropyLoss", List.of(scores, labels), 2);
        var e = assertThrows(GraphException.class, () -> h.gradCheck(outs.get(0), outs.get(1)).trainingGraph());
        assertTrue(e.getMessage().contains("log_prob") && e.getMessage().contains("SoftmaxCrossEntropyLoss"), e.getMessage());
    }

    @Test
    void l1Loss() throws Exception {
        OpHarness h = OpHarness.doubles(62);
        HostTensor target = h.random(OpHarness.STANDARD, 4, 3);
        // prediction = target ± [0.1, 1]: away from the kink of |p − t|
        double[] p = target.toDoubles().clone();
        for (int i = 0; i < p.length; i++) {
            p[i] += OpHarness.awayFromZero(0.1, 1).sample(h.rng);
        }
        Value pred = h.param("pred", HostTensor.of(p, 4, 3), BATCH, Dim.of(3));
        Value t = h.data("target", target, BATCH, Dim.of(3));
        h.check(h.b.l1Loss(pred, t));
    }

    @Test
    void mseLoss() throws Exception {
        OpHarness h = OpHarness.doubles(63);
        Value pred = h.param("pred", h.random(OpHarness.STANDARD, 4, 3), BATCH, Dim.of(3));
        Value target = h.param("target", h.random(OpHarness.STANDARD, 4, 3), BATCH, Dim.of(3));
        h.check(h.b.mseLoss(pred, target));
    }

    @Test
    void regressionLossesWithBroadcastTarget() throws Exception {
        OpHarness h = OpHarness.doubles(64);
        Value pred = h.param("pred", 3, 2);
        Value target = h.param("target", h.random(OpHarness.awayFromZero(2, 3), 2));
        h.check(h.b.mseLoss(pred, target), h.b.l1Loss(pred, target));
    }
    // ---------------------------------------------------------------- per-pixel classes (segmentation)

    /** Scores [2, 3, 2, 3], labels [2, 2, 3]; in the ignore cases one pixel is ignored. */
    static final long[] PIXEL_LABELS = {0, 2, 1, 1, 0, 2, 2, 2, 0, 1, 0, 1};
    static final long[] PIXEL_LABELS_WITH_IGNORED = {0, 2, 1, -100, 0, 2, 2, 2, 0, 1, -100, 1};

    private static Value[] pixelSce(OpHarness h, String reduction, boolean weights, boolean ignore) {
        Value scores = h.param("scores", h.random(uniform(-2, 2), 2, 3, 2, 3), BATCH, Dim.of(3), Dim.of(2), Dim.of(3));
        Value labels = h.data("labels", HostTensor.of(ignore ? PIXEL_LABELS_WITH_IGNORED : PIXEL_LABELS, 2, 2, 3),
                BATCH, Dim.of(2), Dim.of(3));
        List<Value> ins = new ArrayList<>(List.of(scores, labels));
        if (weights) {
            ins.add(h.data("weights", HostTensor.ofDoubles(h.dtype, new double[] {0.2, 0.3, 0.5}, 3)));
        }
        var attrs = new ArrayList<>(List.of(Attr.s("reduction", reduction)));
        if (ignore) {
            attrs.add(Attr.i("ignore_index", -100));
        }
        return new Value[] {h.b.op1("SoftmaxCrossEntropyLoss", ins, attrs.toArray(ai.onnx.proto.OnnxMl.AttributeProto[]::new))};
    }

    @ParameterizedTest(name = "SoftmaxCrossEntropyLoss per pixel double reduction={0} weights={1} ignore_index={2}")
    @MethodSource("sceCases")
    void pixelSoftmaxCrossEntropyDouble(String reduction, boolean weights, boolean ignore) throws Exception {
        OpHarness h = OpHarness.doubles(reduction.hashCode() + 7 + (weights ? 2 : 0) + (ignore ? 1 : 0));
        h.check(pixelSce(h, reduction, weights, ignore));
    }

    @Test
    void pixelSoftmaxCrossEntropyFloat() throws Exception {
        OpHarness.checkFloatAgainstDouble(70, h -> pixelSce(h, "mean", true, true));
    }

    /** The builder's helper on a symbolic class count and int32 labels, through a 1x1 conv head. */
    @Test
    void pixelSoftmaxCrossEntropyOfAConvHead() throws Exception {
        OpHarness h = OpHarness.doubles(71);
        Value scores = h.param("scores", h.random(uniform(-2, 2), 2, 3, 2, 3), BATCH, Dim.sym("classes"), Dim.of(2), Dim.of(3));
        Value labels = h.b.cast(h.data("labels", HostTensor.of(PIXEL_LABELS, 2, 2, 3)), DType.INT32);
        Value weights = h.data("weights", h.random(uniform(0.2, 2), 3), Dim.sym("classes"));
        h.check(h.b.softmaxCrossEntropy(scores, labels, weights));
    }

    /**
     * ONNX Runtime's weighted mean, exactly: Σ w_y·l / Σ w_y over every non-ignored pixel of every
     * sample (as PyTorch's cross_entropy(weight=…)), l = −log softmax(scores)_y.
     */
    @Test
    void weightedMeanIsSumOfWeightedLossesOverSumOfWeights() throws Exception {
        OpHarness h = OpHarness.doubles(72);
        double[] w = {0.2, 0.3, 0.5};
        Value loss = pixelSce(h, "mean", true, true)[0];
        h.b.output(loss);
        double[] s = h.feeds().get("scores").toDoubles();
        double num = 0;
        double den = 0;
        for (int n = 0; n < 2; n++) {
            for (int pix = 0; pix < 6; pix++) {
                long y = PIXEL_LABELS_WITH_IGNORED[n * 6 + pix];
                if (y == -100) {
                    continue;
                }
                double z = 0;
                for (int c = 0; c < 3; c++) {
                    z += Math.exp(s[(n * 3 + c) * 6 + pix]);
                }
                double l = Math.log(z) - s[(n * 3 + (int) y) * 6 + pix];
                num += w[(int) y] * l;
                den += w[(int) y];
            }
        }
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(h.b.graph()))) {
            assertEquals(num / den, m.run(h.feeds(), loss.name()).get(loss.name()).item(), 1e-12);
        }
    }

    // ---------------------------------------------------------------- soft Dice

    static Stream<Arguments> diceCases() {
        return Stream.of(Arguments.of("cggm", SoftDice.cggm()), Arguments.of("perClass", SoftDice.perClass(1e-5)),
                Arguments.of("perClass with background", new SoftDice(true, true, 1, 1)),
                Arguments.of("pooled with background", new SoftDice(true, false, 0.5, 0.5)));
    }

    @ParameterizedTest(name = "softDiceLoss {0}")
    @MethodSource("diceCases")
    void softDice(String name, SoftDice spec) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        Value logits = h.param("logits", h.random(uniform(-2, 2), 2, 3, 2, 3), BATCH, Dim.of(3), Dim.of(2), Dim.of(3));
        Value labels = h.data("labels", HostTensor.of(PIXEL_LABELS, 2, 2, 3), BATCH, Dim.of(2), Dim.of(3));
        h.check(h.b.softDiceLoss(logits, labels, spec));
    }

    @Test
    void softDiceFloat() throws Exception {
        OpHarness.checkFloatAgainstDouble(73, h -> new Value[] {h.b.softDiceLoss(h.param("logits", uniform(-2, 2), 2, 3, 2, 3),
                h.data("labels", HostTensor.of(PIXEL_LABELS, 2, 2, 3)), SoftDice.perClass(1e-5))});
    }

    /** The documented formulas, computed by hand from the same probabilities. */
    @ParameterizedTest(name = "softDiceLoss value {0}")
    @MethodSource("diceCases")
    void softDiceValue(String name, SoftDice spec) throws Exception {
        OpHarness h = OpHarness.doubles(74);
        HostTensor logits = h.random(uniform(-2, 2), 2, 3, 2, 3);
        Value loss = h.b.softDiceLoss(h.data("logits", logits), h.data("labels", HostTensor.of(PIXEL_LABELS, 2, 2, 3)), spec);
        h.b.output(loss);
        double[] z = logits.toDoubles();
        double[] inter = new double[3];
        double[] psum = new double[3];
        double[] tsum = new double[3];
        for (int n = 0; n < 2; n++) {
            for (int pix = 0; pix < 6; pix++) {
                double norm = 0;
                for (int c = 0; c < 3; c++) {
                    norm += Math.exp(z[(n * 3 + c) * 6 + pix]);
                }
                for (int c = 0; c < 3; c++) {
                    double p = Math.exp(z[(n * 3 + c) * 6 + pix]) / norm;
                    double t = PIXEL_LABELS[n * 6 + pix] == c ? 1 : 0;
                    inter[c] += p * t;
                    psum[c] += p;
                    tsum[c] += t;
                }
            }
        }
        int first = spec.includeBackground() ? 0 : 1;
        double expected;
        if (spec.perClass()) {
            double mean = 0;
            for (int c = first; c < 3; c++) {
                mean += (2 * inter[c] + spec.smoothNumerator()) / (psum[c] + tsum[c] + spec.smoothDenominator());
            }
            expected = 1 - mean / (3 - first);
        } else {
            double i = 0;
            double d = 0;
            for (int c = first; c < 3; c++) {
                i += inter[c];
                d += psum[c] + tsum[c];
            }
            expected = 1 - (2 * i + spec.smoothNumerator()) / (d + spec.smoothDenominator());
        }
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(h.b.graph()))) {
            assertEquals(expected, m.run(h.feeds(), loss.name()).get(loss.name()).item(), 1e-12);
        }
    }
}
