package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of Resize (linear and nearest; every supported coordinate mode; up by
 * 2, by 1.5, down by 0.5; scales or sizes). ONNX Runtime runs Resize in float only and both modes
 * are linear maps: the float harness with exact large-step differences. The gradient's
 * interpolation matrices are rebuilt in Java, so these tests hold them against ORT's forward.
 */
class ResizeGradTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String coord : new String[] {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"}) {
            for (double scale : new double[] {2, 1.5, 0.5}) {
                cases.add(Arguments.of("linear", coord, "round_prefer_floor", scale));
            }
        }
        // asymmetric at scale 2 puts odd outputs exactly half-way: the rounding modes' tie rules decide
        String[][] nearest = {{"asymmetric", "floor"}, {"asymmetric", "ceil"}, {"asymmetric", "round_prefer_floor"},
                {"asymmetric", "round_prefer_ceil"}, {"half_pixel", "round_prefer_floor"},
                {"align_corners", "round_prefer_ceil"}, {"pytorch_half_pixel", "round_prefer_floor"}};
        for (String[] n : nearest) {
            for (double scale : new double[] {2, 1.5}) {
                cases.add(Arguments.of("nearest", n[0], n[1], scale));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "Resize {0} {1} {2} scale {3}")
    @MethodSource("cases")
    void resize(String mode, String coord, String nearest, double scale) throws Exception {
        OpHarness h = OpHarness.floatsLinear((mode + coord + nearest + scale).hashCode());
        Value x = h.param("x", 2, 2, 4, 5);
        Value scales = h.b.constant(Tensors.floats("", new long[] {4}, new float[] {1, 1, (float) scale, (float) scale}));
        Value y = h.b.op1("Resize", Arrays.asList(x, null, scales), Attr.s("mode", mode),
                Attr.s("coordinate_transformation_mode", coord), Attr.s("nearest_mode", nearest));
        h.assertTypedShapes(y);
        h.check(y);
    }

    /** Sizes instead of scales (scale = out / in), different per axis; a symbolic batch. */
    @Test
    void sizesAndSymbolicBatch() throws Exception {
        OpHarness h = OpHarness.floatsLinear(1);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 3, 4), Dim.sym("batch"), Dim.of(2), Dim.of(3), Dim.of(4));
        Value sizes = h.b.ints(3, 2, 7, 6);
        Value y = h.b.op1("Resize", Arrays.asList(x, null, null, sizes), Attr.s("mode", "linear"));
        h.assertTypedShapes(y);
        h.check(y);
    }

    /** The builder's helper: the U-Net's ×2 up-sampling, bilinear and nearest. */
    @Test
    void builderUpsampling() throws Exception {
        OpHarness h = OpHarness.floatsLinear(2);
        Value x = h.param("x", 2, 3, 3, 3);
        Value bilinear = h.b.resize2d(x, 2, "linear", "pytorch_half_pixel");
        Value nearest = h.b.resize2d(x, 2, "nearest", "asymmetric");
        h.assertTypedShapes(bilinear, nearest);
        h.check(bilinear, nearest);
    }

    @Test
    void cubicIsRefused() {
        OpHarness h = OpHarness.floatsLinear(3);
        Value x = h.param("x", 1, 1, 3, 3);
        var e = assertThrows(GraphException.class, () -> h.b.resize2d(x, 2, "cubic", "half_pixel"));
        assertTrue(e.getMessage().contains("cubic"), e.getMessage());
    }
}
