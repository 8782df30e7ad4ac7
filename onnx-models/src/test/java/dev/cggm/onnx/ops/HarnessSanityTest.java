package dev.cggm.onnx.ops;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks must be able to fail: a training graph whose gradient is deliberately off by a
 * factor of 1 + 1e-4 (far below anything a reader would spot) is caught element by element.
 * Also pins the set of ops with gradient rules, so a new rule cannot arrive without a test.
 */
class HarnessSanityTest {

    /** Rewires the Identity that names {@code grad/<param>} into a Mul by {@code factor}. */
    static Graph scaleGradient(Graph training, String param, double factor) {
        return GradCheck.scaleGradient(training, param, factor);
    }

    private static GradCheck check(OpHarness h) throws Exception {
        Value x = h.param("x", 3, 4);
        Value w = h.param("w", 4, 2);
        return h.gradCheck(h.b.tanh(h.b.matMul(x, w)));
    }

    @Test
    void aSlightlyWrongGradientIsCaught() throws Exception {
        GradCheck honest = check(OpHarness.doubles(1));
        assertEquals(List.of(), honest.checkAll());

        GradCheck corrupted = check(OpHarness.doubles(1)).trainingTransform(g -> scaleGradient(g, "w", 1 + 1e-4));
        List<GradCheck.Mismatch> bad = corrupted.checkAll();
        assertEquals(8, bad.size(), "every element of w is off: " + bad);
        assertTrue(bad.stream().allMatch(m -> m.param().equals("w")), "x is untouched: " + bad);
    }

    /**
     * The float harness for linear ops (large exact steps, see OpHarness.LINEAR_EPS) still
     * catches a Conv weight gradient off by 1e-3: every element whose gradient exceeds 0.1.
     */
    @Test
    void aSlightlyWrongGradientIsCaughtInTheLinearFloatHarness() throws Exception {
        GradCheck honest = convCheck();
        assertEquals(List.of(), honest.checkAll());
        long expected = java.util.Arrays.stream(honest.lastAnalytic().get("w")).filter(g -> Math.abs(g) > 0.1).count();

        List<GradCheck.Mismatch> bad = convCheck().trainingTransform(g -> scaleGradient(g, "w", 1 + 1e-3)).checkAll();
        assertTrue(bad.stream().allMatch(m -> m.param().equals("w")), "x is untouched: " + bad);
        assertTrue(bad.size() >= expected && expected > 40, bad.size() + " of w's elements caught, " + expected + " exceed 0.1");
    }

    private static GradCheck convCheck() throws Exception {
        OpHarness h = OpHarness.floatsLinear(2);
        Value x = h.param("x", 2, 3, 5, 5);
        Value w = h.param("w", 4, 3, 2, 3);
        return h.gradCheck(h.b.conv2d(x, w, null, dev.cggm.onnx.graph.ConvSpec.defaults().stride(2).padding(1)));
    }

    /** Each of these has its own test class here; extend the list only together with a test. */
    static final Set<String> TESTED = new TreeSet<>(List.of(
            // ElementwiseGradTest
            "Add", "Sub", "Mul", "Div", "Pow", "Sum", "Neg", "Abs", "Relu", "Exp", "Log", "Sqrt",
            "Reciprocal", "Erf", "Tanh", "Sigmoid", "Identity", "Cast", "Where",
            // MatMulGemmGradTest
            "MatMul", "Gemm",
            // ConvGradTest, ConvTransposeGradTest, ClipGradTest, PoolGradTest, ResizeGradTest
            "Conv", "ConvTranspose", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Resize",
            // NormalizationGradTest, DropoutGradTest, LossGradTest
            "Softmax", "LogSoftmax", "LayerNormalization", "InstanceNormalization", "Dropout", "SoftmaxCrossEntropyLoss",
            // ReductionGradTest
            "ReduceSum", "ReduceMean",
            // ShapeOpsGradTest
            "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand", "Concat", "Split",
            "Slice", "Gather"));

    @Test
    void everyGradientRuleHasATest() {
        assertEquals(TESTED, new TreeSet<>(OpRegistry.differentiableOps()));
    }
}
