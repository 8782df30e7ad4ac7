package dev.cggm.onnx.ops;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout. Deterministic modes (ratio 0, inference) are checked by finite differences directly.
 * In training mode ONNX Runtime draws a fresh mask on every run — even with a seed, two runs of
 * one session differ — so finite differences of the Dropout graph itself are meaningless. The
 * training graph is run once instead, fetching the mask its Dropout node drew in that very run;
 * then (1) the forward output must equal x·mask/(1−ratio), (2) dx must equal dy·mask/(1−ratio),
 * and (3) the gradients must equal those of a twin graph with Dropout replaced by multiplication
 * with that fixed mask, whose own gradients pass finite differences.
 */
class DropoutGradTest {
    /*
     * ORT's Dropout kernel computes its scale 1/(1−ratio) in float even for double tensors, so
     * its output differs from the exact double scale (which the rule uses, as the ONNX spec
     * defines it) by up to ~1e-7 relative when the ratio is not float-exact (0.3).
     */
    private static final double RTOL = 1e-7;

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-12 + RTOL * Math.abs(expected), what);
    }

    private static Value dropout(GraphBuilder b, Value x, Value ratio, Value training) {
        List<Value> ins = new ArrayList<>(java.util.Arrays.asList(x, ratio, training));
        return b.op1("Dropout", ins, Attr.i("seed", 1234));
    }

    @Test
    void ratioZeroInTrainingModeIsTheIdentity() throws Exception {
        OpHarness h = OpHarness.doubles(1);
        Value x = h.param("x", 3, 4);
        h.check(dropout(h.b, h.b.tanh(x), h.b.scalarLike(0.0, x), h.b.boolScalar(true)));
    }

    @Test
    void inferenceModeIsTheIdentity() throws Exception {
        OpHarness h = OpHarness.doubles(2);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 4), Dim.sym("batch"), Dim.of(4));
        GraphBuilder b = h.b;
        Value absentMode = b.op1("Dropout", List.of(x, b.scalarLike(0.5, x)));
        Value falseMode = dropout(b, x, b.scalarLike(0.5, x), b.boolScalar(false));
        h.check(absentMode, falseMode, b.op1("Dropout", List.of(x)));
    }

    /** How the ratio reaches the node: a constant, ONNX's default (absent input), or a run-time input. */
    enum RatioSource { CONSTANT, DEFAULT, RUNTIME }

    @ParameterizedTest(name = "training mode, ratio {0}")
    @ValueSource(strings = {"CONSTANT", "DEFAULT", "RUNTIME"})
    void trainingModeUsesTheNodesOwnMask(String source) throws Exception {
        RatioSource src = RatioSource.valueOf(source);
        double ratio = src == RatioSource.DEFAULT ? 0.5 : 0.3;
        long[] shape = {6, 5};
        OpHarness rnd = OpHarness.doubles(3);
        HostTensor xVal = rnd.random(OpHarness.STANDARD, shape);
        HostTensor rVal = rnd.random(OpHarness.awayFromZero(0.5, 1.5), shape);

        // forward: loss = Σ tanh(dropout(x·x + x)) · R, so dy reaching Dropout is not just R
        GraphBuilder b = new GraphBuilder("dropout");
        Value x = b.input("x", DType.DOUBLE, Dim.sym("batch"), Dim.of(shape[1]));
        Value rw = b.input("R", DType.DOUBLE, Dim.sym("batch"), Dim.of(shape[1]));
        Value ratioIn = switch (src) {
            case CONSTANT -> b.scalar(ratio, DType.DOUBLE);
            case DEFAULT -> null;
            case RUNTIME -> b.input("ratio", DType.DOUBLE);
        };
        Value z = b.add(b.mul(x, x), x);
        Value dropped = dropout(b, z, ratioIn, b.boolScalar(true));
        Value loss = b.reduceSum(b.mul(b.tanh(dropped), rw), false);
        b.output(loss, "loss");
        Graph training = Autodiff.differentiate(b.graph(), List.of("loss"), List.of("x"));

        // expose what the Dropout node computed in the run that also computes the gradient
        Node node = training.nodes().stream().filter(n -> n.opType().equals("Dropout")).findFirst().orElseThrow();
        assertTrue(node.hasOutput(1), "the rule should have requested the mask output");
        training.addOutput(node.output(0));
        training.addOutput(node.output(1));
        Map<String, HostTensor> feeds = new java.util.LinkedHashMap<>(Map.of("x", xVal, "R", rVal));
        if (src == RatioSource.RUNTIME) {
            feeds.put("ratio", HostTensor.of(new double[] {ratio}));
        }
        Map<String, HostTensor> out;
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(training))) {
            out = m.run(feeds, "grad/x", node.output(0), node.output(1), "loss");
        }
        boolean[] mask = (boolean[]) out.get(node.output(1)).data();
        double[] y = out.get(node.output(0)).toDoubles();
        double[] dx = out.get("grad/x").toDoubles();
        double[] xs = xVal.toDoubles();
        double[] rs = rVal.toDoubles();
        int kept = 0;
        for (boolean k : mask) {
            kept += k ? 1 : 0;
        }
        assertTrue(kept > 0 && kept < mask.length, "a degenerate mask proves nothing: kept " + kept + "/" + mask.length);

        double scale = 1 / (1 - ratio);
        for (int i = 0; i < mask.length; i++) {
            double zi = xs[i] * xs[i] + xs[i];
            double m = mask[i] ? 1 : 0;
            // (1) the fetched mask is the one the forward pass applied
            assertClose(zi * m * scale, y[i], "dropout output [" + i + "]");
            // (2) dx = dz·(2x+1) with dz = dy·mask/(1−ratio) and dy = R·(1 − tanh²(y))
            double dy = rs[i] * (1 - Math.tanh(y[i]) * Math.tanh(y[i]));
            assertClose(dy * m * scale * (2 * xs[i] + 1), dx[i], "grad/x [" + i + "]");
        }

        // (3) a twin with the fixed mask as a constant multiplier: its gradients pass finite
        // differences, and the Dropout graph's gradients must equal them
        OpHarness twin = OpHarness.doubles(4);
        Value tx = twin.param("x", xVal, Dim.sym("batch"), Dim.of(shape[1]));
        double[] maskScaled = new double[mask.length];
        for (int i = 0; i < mask.length; i++) {
            maskScaled[i] = mask[i] ? scale : 0;
        }
        Value tm = twin.data("mask", HostTensor.of(maskScaled, shape));
        Value tz = twin.b.add(twin.b.mul(tx, tx), tx);
        Value tloss = twin.b.reduceSum(twin.b.mul(twin.b.tanh(twin.b.mul(tz, tm)), twin.data("R", rVal)), false);
        twin.b.output(tloss, "loss");
        GradCheck gc = new GradCheck(twin.b.graph(), "loss", twin.feeds(), List.of("x"))
                .eps(OpHarness.DOUBLE_EPS).tolerance(OpHarness.DOUBLE_RTOL, OpHarness.DOUBLE_ATOL);
        assertEquals(List.of(), gc.checkAll());
        double[] expected = gc.lastAnalytic().get("x");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], dx[i], "grad/x [" + i + "] vs fixed-mask twin");
        }
    }
}
