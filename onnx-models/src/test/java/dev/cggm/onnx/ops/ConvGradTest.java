package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.ConvSpec;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of Conv's gradients for X, W and B. ONNX Runtime runs Conv in float
 * only, so these use the float harness with exact large-step differences (Conv is linear in each
 * operand; see {@link OpHarness#LINEAR_EPS}). Each case also checks that typing gives ONNX
 * Runtime's output shape. Unit-stride cases take dX's flipped-kernel Conv, the others its
 * ConvTranspose.
 */
class ConvGradTest {
    /** X [n, c, h, w], W [m, c/groups, kh, kw]. */
    record Case(String name, long n, long c, long h, long w, long m, long kh, long kw, ConvSpec spec, boolean bias) {
        @Override
        public String toString() {
            return name + " X[" + n + "," + c + "," + h + "," + w + "] W[" + m + "," + c / spec.groups() + "," + kh + ","
                    + kw + "] " + spec + (bias ? " +B" : "");
        }
    }

    static List<Case> cases() {
        ConvSpec d = ConvSpec.defaults();
        List<Case> cases = new ArrayList<>(List.of(
                new Case("3x3 pad 1", 2, 3, 5, 4, 4, 3, 3, d.padding(1), true),
                new Case("no bias, no padding", 1, 2, 5, 5, 3, 3, 3, d, false),
                // W = 6 leaves a column no stride-2 window reaches: dX must be zero there
                new Case("stride 2 pad 1", 2, 2, 7, 6, 3, 3, 3, d.stride(2).padding(1), true),
                new Case("stride 2 unreached rows", 1, 2, 7, 8, 2, 2, 3, d.stride(2), true),
                new Case("stride (2,1)", 1, 2, 6, 5, 2, 3, 3, d.stride(2, 1).padding(1), false),
                new Case("asymmetric pads", 1, 2, 5, 4, 3, 3, 2, d.pads(0, 1, 2, 1), true),
                new Case("dilation 2", 1, 2, 7, 7, 2, 3, 3, d.dilation(2).padding(2), true),
                new Case("dilation 2 stride 2", 2, 2, 8, 7, 2, 3, 3, d.dilation(2).stride(2).padding(1), true),
                new Case("groups 2", 2, 4, 5, 5, 6, 3, 3, d.groups(2).padding(1), true),
                new Case("groups 2 stride 2 dilation 2", 1, 4, 8, 7, 4, 2, 2, d.groups(2).stride(2).dilation(2), true),
                new Case("depthwise", 2, 3, 5, 5, 3, 3, 3, d.groups(3).padding(1), true),
                new Case("depthwise x2 stride 2", 1, 3, 7, 6, 6, 3, 3, d.groups(3).stride(2).padding(1), true),
                new Case("depthwise 5x5 SAME stride 2", 1, 2, 7, 8, 2, 5, 5, d.groups(2).stride(2).same(), false),
                new Case("SAME_UPPER stride 2", 2, 2, 7, 6, 3, 3, 3, d.stride(2).same(), true),
                new Case("SAME_LOWER stride 2", 1, 2, 7, 6, 3, 3, 3, d.stride(2).sameLower(), true),
                new Case("SAME stride 1 even kernel", 1, 2, 5, 4, 2, 2, 2, d.same(), true),
                new Case("VALID stride 2", 1, 2, 7, 6, 2, 3, 3, d.stride(2).valid(), true),
                new Case("1x1 pointwise", 2, 4, 3, 4, 3, 1, 1, d, true),
                // padding beyond the dilated kernel: dX cannot be a flipped Conv, it takes ConvTranspose
                new Case("1x1 with padding 1", 1, 2, 3, 3, 2, 1, 1, d.padding(1), true),
                new Case("kernel as large as the input", 1, 2, 3, 3, 2, 3, 3, d, true)));
        Random rng = new Random(7);
        for (int i = 0; i < 6; i++) {
            cases.add(random(rng, i));
        }
        return cases;
    }

    /** A random draw of channels and kernel: groups 1–2, 1–2 channels per group on each side, kernel 1–3 per axis, stride and dilation 1–2. */
    record Geometry(long groups, long c, long m, long kh, long kw, long stride, long dilation) {
        static Geometry draw(Random rng) {
            long groups = 1 + rng.nextInt(2);
            return new Geometry(groups, groups * (1 + rng.nextInt(2)), groups * (1 + rng.nextInt(2)),
                    1 + rng.nextInt(3), 1 + rng.nextInt(3), 1 + rng.nextInt(2), 1 + rng.nextInt(2));
        }

        long dilatedKernel(int axis) {
            return ((axis == 0 ? kh : kw) - 1) * dilation + 1;
        }

        ConvSpec spec(long[] pads) {
            return ConvSpec.defaults().groups(groups).stride(stride).dilation(dilation).pads(pads[0], pads[1], pads[2], pads[3]);
        }
    }

    /** Random geometry with pads 0–2 and an input 0–3 beyond the window. */
    static Case random(Random rng, int i) {
        Geometry g = Geometry.draw(rng);
        long[] pads = new long[4];
        for (int p = 0; p < 4; p++) {
            pads[p] = rng.nextInt(3);
        }
        long h = Math.max(1, g.dilatedKernel(0) - pads[0] - pads[2]) + rng.nextInt(4);
        long w = Math.max(1, g.dilatedKernel(1) - pads[1] - pads[3]) + rng.nextInt(4);
        return new Case("random #" + i, 1 + rng.nextInt(2), g.c(), h, w, g.m(), g.kh(), g.kw(), g.spec(pads), rng.nextBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conv(Case c) throws Exception {
        OpHarness h = OpHarness.floatsLinear(c.hashCode());
        Value x = h.param("x", c.n(), c.c(), c.h(), c.w());
        Value w = h.param("w", c.m(), c.c() / c.spec().groups(), c.kh(), c.kw());
        Value bias = c.bias() ? h.param("b", c.m()) : null;
        Value y = h.b.conv2d(x, w, bias, c.spec());
        h.assertTypedShapes(y);
        h.check(y);
    }

    /** The batch may be symbolic: the weight gradient's reshapes copy it at run time. */
    @Test
    void symbolicBatch() throws Exception {
        for (long groups : new long[] {1, 2}) {
            OpHarness h = OpHarness.floatsLinear(11 + groups);
            Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 4, 5, 5), Dim.sym("batch"), Dim.of(4), Dim.of(5), Dim.of(5));
            Value w = h.param("w", 2, 4 / groups, 3, 3);
            Value bias = h.param("b", 2);
            h.check(h.b.conv2d(x, w, bias, ConvSpec.defaults().groups(groups).stride(2).padding(1)));
        }
    }

    /** A gradient that only reaches X (W and B as fed data) and one that only reaches W. */
    @Test
    void singleOperandGradients() throws Exception {
        OpHarness hx = OpHarness.floatsLinear(21);
        Value x = hx.param("x", 1, 2, 5, 5);
        Value w = hx.data("w", hx.random(OpHarness.STANDARD, 3, 2, 3, 3));
        hx.check(hx.b.conv2d(x, w, null, ConvSpec.defaults().stride(2)));

        OpHarness hw = OpHarness.floatsLinear(22);
        Value x2 = hw.data("x", hw.random(OpHarness.STANDARD, 2, 2, 5, 5));
        Value w2 = hw.param("w", 3, 2, 3, 3);
        hw.check(hw.b.conv2d(x2, w2, null, ConvSpec.defaults().dilation(2)));
    }

    @Test
    void mismatchedChannelsAreAClearError() {
        OpHarness h = OpHarness.floatsLinear(31);
        Value x = h.param("x", 1, 3, 5, 5);
        Value w = h.param("w", 4, 2, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.conv2d(x, w, null, ConvSpec.defaults()));
        assertTrue(e.getMessage().contains("Conv") && e.getMessage().contains("channels"), e.getMessage());
    }

    @Test
    void sameWithDilationIsRefusedWhereTheModelIsWritten() {
        OpHarness h = OpHarness.floatsLinear(32);
        Value x = h.param("x", 1, 2, 5, 5);
        Value w = h.param("w", 2, 2, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.conv2d(x, w, null, ConvSpec.defaults().dilation(2).same()));
        assertTrue(e.getMessage().contains("auto_pad") && e.getMessage().contains("dilations"), e.getMessage());
    }

    @Test
    void symbolicSpatialExtentsHaveNoGradient() throws Exception {
        OpHarness h = OpHarness.floatsLinear(33);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 1, 2, 5, 5), Dim.of(1), Dim.of(2), Dim.sym("h"), Dim.of(5));
        Value w = h.param("w", 2, 2, 3, 3);
        Value y = h.b.conv2d(x, w, null, ConvSpec.defaults());
        var e = assertThrows(GraphException.class, () -> h.gradCheck(y).trainingGraph());
        assertTrue(e.getMessage().contains("static") && e.getMessage().contains("Conv"), e.getMessage());
    }
}
