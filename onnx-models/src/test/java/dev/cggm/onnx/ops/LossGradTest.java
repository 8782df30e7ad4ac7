package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.cggm.onnx.ops.OpHarness.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference checks of SoftmaxCrossEntropyLoss and the builder's L1 and MSE losses. */
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
}
