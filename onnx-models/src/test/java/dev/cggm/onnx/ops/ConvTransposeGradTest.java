package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.ConvSpec;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of ConvTranspose's gradients for X, W and B, in float with exact
 * large-step differences (ONNX Runtime has no double ConvTranspose; the op is linear in each
 * operand). Each case also checks typing against ONNX Runtime's output shape.
 */
class ConvTransposeGradTest {
    /** X [n, c, h, w], W [c, m/groups, kh, kw]. */
    record Case(String name, long n, long c, long h, long w, long m, long kh, long kw, ConvSpec spec,
                long[] outputPadding, boolean bias) {
        @Override
        public String toString() {
            return name + " X[" + n + "," + c + "," + h + "," + w + "] W[" + c + "," + m / spec.groups() + "," + kh + ","
                    + kw + "] " + spec + " output_padding " + Arrays.toString(outputPadding) + (bias ? " +B" : "");
        }
    }

    static final long[] NONE = {};

    static List<Case> cases() {
        ConvSpec d = ConvSpec.defaults();
        List<Case> cases = new ArrayList<>(List.of(
                new Case("3x3", 2, 3, 3, 4, 2, 3, 3, d, NONE, true),
                // the U-Net up-sampling: 2x2 kernel, stride 2 doubles each side
                new Case("2x2 stride 2 (U-Net up)", 2, 3, 3, 4, 2, 2, 2, d.stride(2), NONE, true),
                new Case("3x3 stride 2 pad 1 output_padding 1", 1, 2, 3, 4, 3, 3, 3, d.stride(2).padding(1), new long[] {1, 1}, true),
                new Case("stride (2,1) output_padding (1,0)", 1, 2, 3, 3, 2, 3, 2, d.stride(2, 1).padding(1), new long[] {1, 0}, false),
                new Case("asymmetric pads", 1, 2, 4, 3, 2, 3, 3, d.pads(1, 0, 0, 2), NONE, true),
                new Case("dilation 2", 1, 2, 3, 3, 2, 3, 3, d.dilation(2).padding(1), NONE, true),
                new Case("dilation 2 stride 2 output_padding 1", 1, 2, 3, 4, 2, 2, 3, d.dilation(2).stride(2), new long[] {1, 1}, true),
                new Case("groups 2", 2, 4, 3, 3, 6, 3, 3, d.groups(2).padding(1), NONE, true),
                new Case("groups 2 stride 2", 1, 4, 3, 2, 2, 2, 2, d.groups(2).stride(2), NONE, true),
                new Case("depthwise", 1, 3, 3, 4, 3, 3, 3, d.groups(3).padding(1), NONE, true),
                new Case("depthwise x2 stride 2", 1, 3, 2, 3, 6, 3, 3, d.groups(3).stride(2).padding(1), new long[] {1, 1}, false),
                new Case("SAME_UPPER stride 2", 1, 2, 3, 4, 2, 3, 3, d.stride(2).same(), NONE, true),
                new Case("SAME_LOWER stride 2", 1, 2, 3, 4, 2, 3, 3, d.stride(2).sameLower(), NONE, true),
                new Case("VALID stride 2", 1, 2, 3, 3, 2, 3, 3, d.stride(2).valid(), NONE, true),
                new Case("1x1", 2, 3, 3, 3, 2, 1, 1, d, NONE, true)));
        Random rng = new Random(8);
        for (int i = 0; i < 5; i++) {
            cases.add(random(rng, i));
        }
        return cases;
    }

    /** Random geometry (see ConvGradTest.Geometry), pads below the dilated kernel, output_padding below the stride. */
    static Case random(Random rng, int i) {
        ConvGradTest.Geometry g = ConvGradTest.Geometry.draw(rng);
        long[] pads = new long[4];
        for (int p = 0; p < 4; p++) {
            pads[p] = rng.nextInt((int) Math.min(2, g.dilatedKernel(p % 2)));
        }
        long[] op = {rng.nextInt((int) g.stride()), rng.nextInt((int) g.stride())};
        return new Case("random #" + i, 1 + rng.nextInt(2), g.c(), 2 + rng.nextInt(3), 2 + rng.nextInt(3), g.m(), g.kh(),
                g.kw(), g.spec(pads), op, rng.nextBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void convTranspose(Case c) throws Exception {
        OpHarness h = OpHarness.floatsLinear(c.hashCode());
        Value x = h.param("x", c.n(), c.c(), c.h(), c.w());
        Value w = h.param("w", c.c(), c.m() / c.spec().groups(), c.kh(), c.kw());
        Value bias = c.bias() ? h.param("b", c.m()) : null;
        Value y = h.b.convTranspose2d(x, w, bias, c.spec(), c.outputPadding());
        h.assertTypedShapes(y);
        h.check(y);
    }

    @Test
    void symbolicBatch() throws Exception {
        OpHarness h = OpHarness.floatsLinear(12);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 4, 3, 3), Dim.sym("batch"), Dim.of(4), Dim.of(3), Dim.of(3));
        Value w = h.param("w", 4, 1, 2, 2);
        Value bias = h.param("b", 2);
        h.check(h.b.convTranspose2d(x, w, bias, ConvSpec.defaults().groups(2).stride(2)));
    }

    @Test
    void outputShapeAttributeIsRefused() {
        OpHarness h = OpHarness.floatsLinear(13);
        Value x = h.param("x", 1, 2, 3, 3);
        Value w = h.param("w", 2, 2, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.op1("ConvTranspose", List.of(x, w),
                Attr.ints("output_shape", 6, 6), Attr.ints("strides", 2, 2)));
        assertTrue(e.getMessage().contains("output_shape"), e.getMessage());
    }

    @Test
    void outputPaddingMustBeBelowTheStride() {
        OpHarness h = OpHarness.floatsLinear(14);
        Value x = h.param("x", 1, 2, 3, 3);
        Value w = h.param("w", 2, 2, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.convTranspose2d(x, w, null, ConvSpec.defaults().stride(2), 2, 2));
        assertTrue(e.getMessage().contains("output_padding"), e.getMessage());
    }
}
