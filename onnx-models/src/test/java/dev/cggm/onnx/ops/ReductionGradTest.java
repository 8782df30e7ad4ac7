package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Finite-difference checks of ReduceSum (axes as an input, opset 13) and ReduceMean (axes attribute). */
class ReductionGradTest {
    static final Dim BATCH = Dim.sym("batch");

    /** Axes lists (null = none given) crossed with keepdims. */
    static Stream<Arguments> axesCases() {
        long[][] axes = {{1}, {0, 2}, {-1}, {-3, -1}, {0, 1, 2}, null};
        List<Arguments> cases = new ArrayList<>();
        for (long[] a : axes) {
            for (boolean keep : new boolean[] {true, false}) {
                cases.add(Arguments.of(a, keep));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "ReduceSum axes={0} keepdims={1}")
    @MethodSource("axesCases")
    void reduceSum(long[] axes, boolean keep) throws Exception {
        OpHarness h = OpHarness.doubles(31L * (axes == null ? 7 : axes.length) + (keep ? 1 : 0));
        Value x = h.param("x", 2, 3, 4);
        Value y = axes == null
                ? h.b.op1("ReduceSum", List.of(x), Attr.i("keepdims", keep ? 1 : 0))
                : h.b.reduceSum(x, keep, axes);
        h.check(y);
    }

    @ParameterizedTest(name = "ReduceMean axes={0} keepdims={1}")
    @MethodSource("axesCases")
    void reduceMean(long[] axes, boolean keep) throws Exception {
        OpHarness h = OpHarness.doubles(37L * (axes == null ? 7 : axes.length) + (keep ? 1 : 0));
        Value x = h.param("x", 2, 3, 4);
        Value y = axes == null
                ? h.b.op1("ReduceMean", List.of(x), Attr.i("keepdims", keep ? 1 : 0))
                : h.b.reduceMean(x, keep, axes);
        h.check(y);
    }

    /** An empty axes list reduces everything unless noop_with_empty_axes is set, then it is the identity. */
    @ParameterizedTest(name = "ReduceSum empty axes, noop={0}, keepdims={1}, axes input given={2}")
    @MethodSource("noopCases")
    void reduceSumEmptyAxes(boolean noop, boolean keep, boolean axesInput) throws Exception {
        OpHarness h = OpHarness.doubles(41);
        Value x = h.param("x", 2, 3);
        List<Value> ins = axesInput ? List.of(x, h.b.ints()) : List.of(x);
        Value y = h.b.op1("ReduceSum", ins, Attr.i("keepdims", keep ? 1 : 0), Attr.i("noop_with_empty_axes", noop ? 1 : 0));
        assertEquals(noop ? 2 : (keep ? 2 : 0), y.rank());
        h.check(y);
    }

    static Stream<Arguments> noopCases() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean noop : new boolean[] {false, true}) {
            for (boolean keep : new boolean[] {false, true}) {
                for (boolean given : new boolean[] {false, true}) {
                    cases.add(Arguments.of(noop, keep, given));
                }
            }
        }
        return cases.stream();
    }

    @Test
    void reduceSumOverASymbolicAxis() throws Exception {
        OpHarness h = OpHarness.doubles(43);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 4), BATCH, Dim.of(4));
        h.check(h.b.reduceSum(x, false, 0), h.b.reduceSum(x, true, 1));
    }

    /** Over a symbolic axis the element count is only known at run time. */
    @Test
    void reduceMeanOverSymbolicAxes() throws Exception {
        OpHarness h = OpHarness.doubles(47);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 4), BATCH, Dim.of(2), Dim.of(4));
        h.check(h.b.reduceMean(x, false, 0), h.b.reduceMean(x, true, 0, 2), h.b.reduceMean(x, false, 2), h.b.meanAll(x));
    }

    @Test
    void reductionsOfAVector() throws Exception {
        OpHarness h = OpHarness.doubles(53);
        Value x = h.param("x", 5);
        h.check(h.b.reduceSum(x, false, 0), h.b.reduceMean(x, true, -1));
    }
}
