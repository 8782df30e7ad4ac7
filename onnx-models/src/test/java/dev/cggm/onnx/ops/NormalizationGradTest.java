package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.cggm.onnx.ops.OpHarness.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of Softmax, LogSoftmax, LayerNormalization, the builder's group norm
 * (double) and InstanceNormalization (float only on ONNX Runtime: compared with the
 * finite-difference-checked group norm with one group per channel).
 */
class NormalizationGradTest {
    static final Dim BATCH = Dim.sym("batch");

    @ParameterizedTest(name = "Softmax axis={0}")
    @ValueSource(ints = {0, 1, 2, -1, -2, -3})
    void softmax(int axis) throws Exception {
        OpHarness h = OpHarness.doubles(axis + 100);
        Value x = h.param("x", uniform(-2, 2), 2, 3, 4);
        h.check(h.b.softmax(x, axis));
    }

    @ParameterizedTest(name = "LogSoftmax axis={0}")
    @ValueSource(ints = {0, 1, 2, -1, -2, -3})
    void logSoftmax(int axis) throws Exception {
        OpHarness h = OpHarness.doubles(axis + 200);
        Value x = h.param("x", uniform(-2, 2), 2, 3, 4);
        h.check(h.b.logSoftmax(x, axis));
    }

    @Test
    void softmaxFamilyWithSymbolicBatchAndDefaultAxis() throws Exception {
        OpHarness h = OpHarness.doubles(300);
        Value x = h.param("x", h.random(uniform(-2, 2), 3, 5), BATCH, Dim.of(5));
        // opset 13 default axis is -1
        h.check(h.b.op1("Softmax", List.of(x)), h.b.op1("LogSoftmax", List.of(x)), h.b.softmax(x, 0));
    }

    /** LayerNorm over the axes from {@code axis}; scale (and bias) have the normalised shape. */
    static Stream<Arguments> layerNormCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int axis : new int[] {-1, 1, -2, 0}) {
            for (boolean bias : new boolean[] {true, false}) {
                cases.add(Arguments.of(axis, bias));
            }
        }
        return cases.stream();
    }

    private static Value[] layerNorm(OpHarness h, int axis, boolean withBias, boolean symbolic) {
        long[] shape = {3, 2, 4};
        Dim[] decl = symbolic ? new Dim[] {BATCH, Dim.of(2), Dim.of(4)} : OpHarness.dims(shape);
        Value x = h.param("x", h.random(uniform(-2, 2), shape), decl);
        int a = axis < 0 ? axis + shape.length : axis;
        long[] normalised = Arrays.copyOfRange(shape, a, shape.length);
        Value scale = h.param("scale", uniform(0.5, 1.5), normalised);
        Value bias = withBias ? h.param("bias", normalised) : null;
        return new Value[] {h.b.layerNorm(x, scale, bias, axis, 1e-5)};
    }

    /** Double takes the rule's recomputing path (ONNX stashes mean and 1/σ as float). */
    @ParameterizedTest(name = "LayerNormalization double axis={0} bias={1}")
    @MethodSource("layerNormCases")
    void layerNormDouble(int axis, boolean bias) throws Exception {
        OpHarness h = OpHarness.doubles(axis * 2L + (bias ? 1 : 0));
        h.check(layerNorm(h, axis, bias, false));
    }

    /** Float uses the node's own Mean and InvStdDev outputs; compared with the double gradients on the same inputs. */
    @ParameterizedTest(name = "LayerNormalization float axis={0} bias={1}")
    @MethodSource("layerNormCases")
    void layerNormFloat(int axis, boolean bias) throws Exception {
        OpHarness.checkFloatAgainstDouble(axis * 2L + (bias ? 1 : 0), h -> layerNorm(h, axis, bias, false));
    }

    @Test
    void layerNormSymbolicBatch() throws Exception {
        OpHarness.checkFloatAgainstDouble(400, h -> layerNorm(h, -1, true, true));
        OpHarness.checkFloatAgainstDouble(401, h -> layerNorm(h, 1, false, true));
    }

    /** A symbolic normalised axis: the rule's means count elements at run time. */
    @Test
    void layerNormOverASymbolicAxis() throws Exception {
        OpHarness.checkFloatAgainstDouble(403, h -> {
            Dim k = Dim.sym("k");
            Value x = h.param("x", h.random(uniform(-2, 2), 3, 5), Dim.of(3), k);
            Value scale = h.param("scale", h.random(uniform(0.5, 1.5), 5), k);
            Value bias = h.param("bias", h.random(OpHarness.STANDARD, 5), k);
            return new Value[] {h.b.layerNorm(x, scale, bias, -1, 1e-5)};
        });
    }

    /**
     * The optional Mean and InvStdDev outputs have no gradient rule: a loss reading them must
     * fail clearly rather than silently drop their contribution.
     */
    @Test
    void gradientThroughLayerNormStatisticsIsAClearError() throws Exception {
        for (int output : new int[] {1, 2}) {
            OpHarness h = OpHarness.floats(404);
            Value x = h.param("x", 2, 5);
            Value scale = h.param("scale", 5);
            List<Value> outs = h.b.op("LayerNormalization", List.of(x, scale), 3, Attr.i("axis", -1));
            var e = assertThrows(GraphException.class, () -> h.gradCheck(outs.get(0), outs.get(output)).trainingGraph());
            assertTrue(e.getMessage().contains("LayerNormalization"), e.getMessage());
        }
    }

    /** A larger epsilon matters for small-variance rows: the rule must use the node's epsilon. */
    @Test
    void layerNormWithLargeEpsilonAndSmallVariance() throws Exception {
        OpHarness.checkFloatAgainstDouble(402, h -> {
            Value x = h.param("x", uniform(-0.05, 0.05), 2, 5);
            Value scale = h.param("scale", uniform(0.5, 1.5), 5);
            return new Value[] {h.b.layerNorm(x, scale, null, -1, 0.01)};
        });
    }
    /** Group norm over [N, C, H, W] (and one spatial axis), groups from 1 (layer norm) to C (instance norm). */
    @ParameterizedTest(name = "groupNorm groups={0}")
    @ValueSource(longs = {1, 2, 4})
    void groupNorm(long groups) throws Exception {
        OpHarness h = OpHarness.doubles(500 + groups);
        Value x = h.param("x", uniform(-2, 2), 2, 4, 3, 2);
        Value scale = h.param("scale", uniform(0.5, 1.5), 4);
        Value bias = h.param("bias", 4);
        h.check(h.b.groupNorm(x, groups, scale, bias, 1e-5));
    }

    @Test
    void groupNormSymbolicBatchAndOneSpatialAxis() throws Exception {
        OpHarness h = OpHarness.doubles(510);
        Value x = h.param("x", h.random(uniform(-2, 2), 3, 4, 5), BATCH, Dim.of(4), Dim.of(5));
        Value scale = h.param("scale", uniform(0.5, 1.5), 4);
        Value bias = h.param("bias", 4);
        h.check(h.b.groupNorm(x, 2, scale, bias, 1e-5));
    }

    /** Float runs the same composition; compared with the double gradients on the same inputs. */
    @Test
    void groupNormFloat() throws Exception {
        OpHarness.checkFloatAgainstDouble(511, h -> new Value[] {h.b.groupNorm(h.param("x", uniform(-2, 2), 2, 4, 3, 3), 2,
                h.param("scale", uniform(0.5, 1.5), 4), h.param("bias", 4), 1e-5)});
    }

    @Test
    void groupNormNeedsDivisibleChannels() {
        OpHarness h = OpHarness.doubles(512);
        Value x = h.param("x", 1, 6, 2, 2);
        var e = assertThrows(GraphException.class, () -> h.b.groupNorm(x, 4, h.param("s", 6), h.param("b", 6), 1e-5));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
    }

    /**
     * InstanceNormalization on ONNX Runtime (float) against the group norm with groups = C in
     * double: forward loss and every gradient (x, scale, bias) within float precision.
     */
    static Stream<Arguments> instanceNormCases() {
        return Stream.of(Arguments.of(new long[] {2, 3, 4, 4}, 1e-5), Arguments.of(new long[] {1, 2, 5, 3}, 1e-5),
                Arguments.of(new long[] {2, 3, 6}, 1e-5), Arguments.of(new long[] {2, 2, 3, 3}, 0.5));
    }

    @ParameterizedTest(name = "InstanceNormalization {0} epsilon={1}")
    @MethodSource("instanceNormCases")
    void instanceNorm(long[] shape, double epsilon) throws Exception {
        long c = shape[1];
        OpHarness.checkFloatAgainstDouble(Arrays.hashCode(shape),
                h -> new Value[] {h.b.instanceNorm(h.param("x", uniform(-2, 2), shape), h.param("scale", uniform(0.5, 1.5), c),
                        h.param("bias", c), epsilon)},
                h -> new Value[] {h.b.groupNorm(h.param("x", uniform(-2, 2), shape), c, h.param("scale", uniform(0.5, 1.5), c),
                        h.param("bias", c), epsilon)});
    }

    @Test
    void instanceNormSymbolicBatch() throws Exception {
        OpHarness.checkFloatAgainstDouble(520,
                h -> new Value[] {h.b.instanceNorm(h.param("x", h.random(uniform(-2, 2), 3, 2, 3, 3), BATCH, Dim.of(2), Dim.of(3), Dim.of(3)),
                        h.param("scale", uniform(0.5, 1.5), 2), h.param("bias", 2), 1e-5)},
                h -> new Value[] {h.b.groupNorm(h.param("x", h.random(uniform(-2, 2), 3, 2, 3, 3), BATCH, Dim.of(2), Dim.of(3), Dim.of(3)),
                        2, h.param("scale", uniform(0.5, 1.5), 2), h.param("bias", 2), 1e-5)});
    }
}
