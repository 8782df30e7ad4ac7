package dev.cggm.onnx.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.PoolSpec;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of the pooling rules. MaxPool runs in double, on inputs whose values
 * are all distinct (≥ 1e-3 apart, so no window's maximum changes under the step); ties are
 * checked against hand-computed gradients. AveragePool and GlobalAveragePool run in float only on
 * ONNX Runtime and are linear: the float harness with exact large-step differences. Every case
 * also checks typing against ONNX Runtime's output shape.
 */
class PoolGradTest {
    /** A pooling case: input extents and the node's attributes. */
    record Case(String name, long n, long c, long h, long w, List<AttributeProto> attrs) {
        static Case of(String name, long n, long c, long h, long w, AttributeProto... attrs) {
            return new Case(name, n, c, h, w, List.of(attrs));
        }

        AttributeProto[] attributes() {
            return attrs.toArray(AttributeProto[]::new);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(name + " X[" + n + "," + c + "," + h + "," + w + "]");
            for (AttributeProto a : attrs) {
                s.append(' ').append(a.getName()).append('=')
                        .append(a.getIntsCount() > 0 ? a.getIntsList().toString() : a.hasS() && !a.getS().isEmpty() ? a.getS().toStringUtf8() : a.getI());
            }
            return s.toString();
        }
    }

    static AttributeProto kernel(long kh, long kw) {
        return Attr.ints("kernel_shape", kh, kw);
    }

    static AttributeProto strides(long s) {
        return Attr.ints("strides", s, s);
    }

    static AttributeProto pads(long t, long l, long b, long r) {
        return Attr.ints("pads", t, l, b, r);
    }

    static final AttributeProto CEIL = Attr.i("ceil_mode", 1);
    static final AttributeProto SAME = Attr.s("auto_pad", "SAME_UPPER");
    static final AttributeProto SAME_LOWER = Attr.s("auto_pad", "SAME_LOWER");

    /** Values k·(2/n) − 1 in shuffled order, plus jitter below a quarter of the spacing: all distinct. */
    static HostTensor distinct(OpHarness h, long... shape) {
        int n = (int) HostTensor.count(shape);
        List<Double> v = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            v.add(k * (2.0 / n) - 1 + h.rng.nextDouble() * 0.5 / n);
        }
        Collections.shuffle(v, h.rng);
        return HostTensor.ofDoubles(h.dtype, v.stream().mapToDouble(Double::doubleValue).toArray(), shape);
    }

    // ---------------------------------------------------------------- MaxPool

    static List<Case> maxPoolCases() {
        List<Case> cases = new ArrayList<>(List.of(
                Case.of("2x2 stride 2 (U-Net down)", 2, 3, 4, 6, kernel(2, 2), strides(2)),
                Case.of("2x2 stride 2 odd extents", 1, 2, 5, 5, kernel(2, 2), strides(2)),
                Case.of("3x3 stride 2 pad 1 (overlapping)", 1, 2, 5, 6, kernel(3, 3), strides(2), pads(1, 1, 1, 1)),
                Case.of("3x3 stride 1 pad 1", 1, 2, 4, 4, kernel(3, 3), pads(1, 1, 1, 1)),
                Case.of("dilation 2", 1, 2, 5, 5, kernel(2, 2), Attr.ints("dilations", 2, 2)),
                Case.of("dilation 2 stride 2 pad 1", 1, 2, 6, 5, kernel(2, 2), strides(2), pads(1, 1, 1, 0), Attr.ints("dilations", 2, 2)),
                Case.of("ceil_mode", 1, 2, 5, 5, kernel(2, 2), strides(2), CEIL),
                Case.of("ceil_mode with padding", 1, 2, 4, 4, kernel(2, 2), strides(2), pads(1, 1, 0, 0), CEIL),
                Case.of("SAME_UPPER stride 2", 1, 2, 5, 6, kernel(3, 3), strides(2), SAME),
                Case.of("SAME_LOWER stride 2", 1, 2, 5, 6, kernel(2, 2), strides(2), SAME_LOWER),
                Case.of("asymmetric pads, kernel 2x3", 1, 2, 4, 5, kernel(2, 3), pads(0, 2, 1, 0), strides(2))));
        Random rng = new Random(9);
        for (int i = 0; i < 4; i++) {
            cases.add(randomCase(rng, i, true));
        }
        return cases;
    }

    /** Kernel 1–3, stride 1–3, pads below the kernel, sometimes ceil_mode and (MaxPool) dilation 2. */
    static Case randomCase(Random rng, int i, boolean maxPool) {
        long kh = 1 + rng.nextInt(3);
        long kw = 1 + rng.nextInt(3);
        long d = maxPool && rng.nextBoolean() ? 2 : 1;
        List<AttributeProto> attrs = new ArrayList<>(List.of(kernel(kh, kw), strides(1 + rng.nextInt(3)),
                pads(rng.nextInt((int) kh), rng.nextInt((int) kw), rng.nextInt((int) kh), rng.nextInt((int) kw))));
        if (d > 1) {
            attrs.add(Attr.ints("dilations", d, d));
        }
        if (rng.nextBoolean()) {
            attrs.add(CEIL);
        }
        if (!maxPool) {
            attrs.add(Attr.i("count_include_pad", rng.nextInt(2)));
        }
        Case c = new Case("random #" + i, 1 + rng.nextInt(2), 1 + rng.nextInt(2), (kh - 1) * d + 1 + rng.nextInt(4),
                (kw - 1) * d + 1 + rng.nextInt(4), attrs);
        return startsInEndPadding(c) ? randomCase(rng, i, maxPool) : c;
    }

    /** Whether a ceil_mode window would start in the end padding (refused by typing; see below). */
    static boolean startsInEndPadding(Case c) {
        OpHarness h = OpHarness.floats(0);
        try {
            h.b.op1("MaxPool", List.of(h.param("x", c.n(), c.c(), c.h(), c.w())),
                    c.attrs().stream().filter(a -> !a.getName().equals("count_include_pad")).toArray(AttributeProto[]::new));
            return false;
        } catch (GraphException e) {
            return true;
        }
    }

    /** ORT's kernel drops such a window, ONNX's shape inference keeps it: refused where the model is written. */
    @Test
    void ceilModeWindowStartingInTheEndPaddingIsRefused() {
        OpHarness h = OpHarness.doubles(7);
        Value x = h.param("x", 1, 1, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.maxPool2d(x, PoolSpec.window(2).padding(1).ceilMode(true)));
        assertTrue(e.getMessage().contains("ceil_mode") && e.getMessage().contains("end padding"), e.getMessage());
    }

    @ParameterizedTest(name = "MaxPool {0}")
    @MethodSource("maxPoolCases")
    void maxPool(Case c) throws Exception {
        OpHarness h = OpHarness.doubles(c.hashCode());
        Value x = h.param("x", distinct(h, c.n(), c.c(), c.h(), c.w()));
        Value y = h.b.op1("MaxPool", List.of(x), c.attributes());
        h.assertTypedShapes(y);
        h.check(y);
    }

    @Test
    void maxPoolFloatAgreesWithDouble() throws Exception {
        OpHarness.checkFloatAgainstDouble(3, h -> new Value[] {
                h.b.maxPool2d(h.param("x", distinct(h, 2, 2, 5, 5)), PoolSpec.window(3).stride(2).padding(1))});
    }

    @Test
    void maxPoolSymbolicBatch() throws Exception {
        OpHarness h = OpHarness.doubles(4);
        Value x = h.param("x", distinct(h, 3, 2, 4, 4), Dim.sym("batch"), Dim.of(2), Dim.of(4), Dim.of(4));
        h.check(h.b.maxPool2d(x, PoolSpec.window(2)));
    }

    /**
     * Ties: each window's gradient goes to its first maximum in row-major order (PyTorch's CPU
     * rule), and overlapping windows that pick the same input add up.
     */
    @Test
    void maxPoolTiesGoToTheFirstMaximumAndOverlapsAccumulate() throws Exception {
        OpHarness h = OpHarness.doubles(5);
        double[] image = {
                1, 5, 5, 0,
                5, 2, 2, 3,
                0, 4, 9, 9,
                4, 4, 9, 1};
        // 2x2 windows with stride 1: 3x3 outputs; upstream gradient = output position + 1
        Value x = h.param("x", HostTensor.of(image, 1, 1, 4, 4));
        Value y = h.b.maxPool2d(x, PoolSpec.window(2).stride(1));
        double[] dy = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        h.b.output(h.b.reduceSum(h.b.mul(y, h.b.constant(Tensors.doubles("", new long[] {1, 1, 3, 3}, dy))), false));
        var training = Autodiff.differentiate(h.b.graph(), List.of(h.b.graph().outputs().get(0)), List.of("x"));
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(training))) {
            double[] dx = m.run(h.feeds(), Autodiff.GRAD_PREFIX + "x").get(Autodiff.GRAD_PREFIX + "x").toDoubles();
            // windows (row, col) → first maximum: (0,0)→x[0,1]=5 (ties x[1,0]); (0,1)→x[0,1]; (0,2)→x[0,2];
            // (1,0)→x[1,0]; (1,1)→x[2,2]; (1,2)→x[2,2] (ties x[2,3]); (2,0)→x[2,1] (ties x[3,0], x[3,1]);
            // (2,1)→x[2,2]; (2,2)→x[2,2] (ties x[2,3], x[3,2])
            double[] expected = {
                    0, 1 + 2, 3, 0,
                    4, 0, 0, 0,
                    0, 7, 5 + 6 + 8 + 9, 0,
                    0, 0, 0, 0};
            assertArrayEquals(expected, dx, 0, Arrays.toString(dx));
        }
    }

    @Test
    void columnMajorIndicesAreRefused() {
        OpHarness h = OpHarness.doubles(6);
        Value x = h.param("x", 1, 1, 4, 4);
        var e = assertThrows(GraphException.class, () -> h.b.op1("MaxPool", List.of(x), kernel(2, 2), Attr.i("storage_order", 1)));
        assertTrue(e.getMessage().contains("storage_order"), e.getMessage());
    }

    // ---------------------------------------------------------------- AveragePool

    static List<Case> averagePoolCases() {
        AttributeProto incl = Attr.i("count_include_pad", 1);
        AttributeProto excl = Attr.i("count_include_pad", 0);
        List<Case> cases = new ArrayList<>(List.of(
                Case.of("2x2 stride 2", 2, 3, 4, 6, kernel(2, 2), strides(2)),
                Case.of("2x2 stride 2 odd extents", 1, 2, 5, 5, kernel(2, 2), strides(2)),
                Case.of("3x3 stride 1 pad 1 counting padding", 1, 2, 4, 5, kernel(3, 3), pads(1, 1, 1, 1), incl),
                Case.of("3x3 stride 1 pad 1 not counting padding", 1, 2, 4, 5, kernel(3, 3), pads(1, 1, 1, 1), excl),
                Case.of("3x3 stride 2 pad 1 not counting padding", 2, 2, 5, 6, kernel(3, 3), strides(2), pads(1, 1, 1, 1), excl),
                Case.of("asymmetric pads not counting padding", 1, 2, 4, 5, kernel(2, 3), pads(0, 2, 1, 0), excl),
                Case.of("ceil_mode counting padding", 1, 2, 5, 4, kernel(3, 3), strides(2), pads(1, 1, 1, 1), CEIL, incl),
                Case.of("ceil_mode not counting padding", 1, 2, 5, 4, kernel(3, 3), strides(2), pads(1, 1, 1, 1), CEIL, excl),
                Case.of("ceil_mode without padding", 1, 2, 5, 5, kernel(2, 2), strides(2), CEIL, incl),
                Case.of("SAME_UPPER counting padding", 1, 2, 5, 6, kernel(3, 3), strides(2), SAME, incl),
                Case.of("SAME_UPPER not counting padding", 1, 2, 5, 6, kernel(3, 3), strides(2), SAME, excl)));
        Random rng = new Random(10);
        for (int i = 0; i < 4; i++) {
            cases.add(randomCase(rng, i, false));
        }
        return cases;
    }

    @ParameterizedTest(name = "AveragePool {0}")
    @MethodSource("averagePoolCases")
    void averagePool(Case c) throws Exception {
        OpHarness h = OpHarness.floatsLinear(c.hashCode());
        Value x = h.param("x", c.n(), c.c(), c.h(), c.w());
        Value y = h.b.op1("AveragePool", List.of(x), c.attributes());
        h.assertTypedShapes(y);
        h.check(y);
    }

    @Test
    void averagePoolBuilderAndSymbolicBatch() throws Exception {
        OpHarness h = OpHarness.floatsLinear(11);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 5, 5), Dim.sym("batch"), Dim.of(2), Dim.of(5), Dim.of(5));
        h.check(h.b.avgPool2d(x, PoolSpec.window(3).stride(2).padding(1)),
                h.b.avgPool2d(x, PoolSpec.window(3).stride(2).padding(1).countIncludePad(true).ceilMode(true)));
    }

    @Test
    void averagePoolHasNoDilations() {
        OpHarness h = OpHarness.floatsLinear(12);
        Value x = h.param("x", 1, 1, 4, 4);
        var e = assertThrows(GraphException.class, () -> h.b.op1("AveragePool", List.of(x), kernel(2, 2),
                Attr.ints("dilations", 2, 2)));
        assertTrue(e.getMessage().contains("dilations"), e.getMessage());
    }

    @Test
    void padsMustBeSmallerThanTheKernel() {
        OpHarness h = OpHarness.floatsLinear(13);
        Value x = h.param("x", 1, 1, 4, 4);
        var e = assertThrows(GraphException.class, () -> h.b.maxPool2d(x, PoolSpec.window(2).padding(2)));
        assertTrue(e.getMessage().contains("smaller than the kernel"), e.getMessage());
    }

    // ---------------------------------------------------------------- GlobalAveragePool

    @Test
    void globalAveragePool() throws Exception {
        OpHarness h = OpHarness.floatsLinear(1);
        Value x = h.param("x", 2, 3, 4, 5);
        Value y = h.b.globalAveragePool(x);
        h.assertTypedShapes(y);
        h.check(y);
    }

    /** Symbolic space: the divisor is counted at run time. */
    @Test
    void globalAveragePoolWithSymbolicExtents() throws Exception {
        OpHarness h = OpHarness.floatsLinear(2);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3, 4, 3),
                Dim.sym("batch"), Dim.of(3), Dim.sym("h"), Dim.sym("w"));
        h.check(h.b.globalAveragePool(x));
    }

    @Test
    void globalAveragePoolOneDimensional() throws Exception {
        OpHarness h = OpHarness.floatsLinear(3);
        Value x = h.param("x", 2, 3, 6);
        h.check(h.b.globalAveragePool(x));
    }
}
