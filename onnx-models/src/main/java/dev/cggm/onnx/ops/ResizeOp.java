package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Resize (opset 13), 2-D: X [N, C, H, W] scaled along H and W by constant {@code scales}
 * [1, 1, sh, sw] or to constant {@code sizes}, mode linear or nearest, coordinate_transformation_mode
 * half_pixel, pytorch_half_pixel, align_corners or asymmetric. Both modes are linear maps that
 * act on each axis separately, Y = A_h · X · A_wᵀ per sample and channel, so dX = A_hᵀ · dY · A_w
 * (two MatMuls with constant matrices). The matrices are rebuilt from ONNX Runtime's CPU kernel
 * rules (upsample.h: float coordinates, clamped to the input, nearest rounding modes); the
 * finite-difference tests hold them against ORT's own forward. Float only on ORT's CPU provider.
 */
final class ResizeOp implements OpDefinition {
    private static final Set<String> COORDINATE_MODES = Set.of("half_pixel", "pytorch_half_pixel", "align_corners",
            "asymmetric");
    private static final Set<String> NEAREST_MODES = Set.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil");

    @Override
    public String opType() {
        return "Resize";
    }

    /** The node's scale and output extent along both spatial axes, for known input extents. */
    private record Plan(double[] scales, long[] out) {
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        if (!x.dtype().isFloating() || x.rank() != 4) {
            throw ctx.error("only 2-D resizing is supported: X must be floating [N, C, H, W], got " + x);
        }
        checkAttributes(ctx.node());
        double[] scales = ctx.constantValues(2);
        double[] sizes = ctx.constantValues(3);
        if ((scales == null || scales.length == 0) && sizes == null) {
            throw ctx.error("scales or sizes must be a constant");
        }
        Dim[] spatial = {Dim.unknown(), Dim.unknown()};
        if (x.shape().dim(2).isKnown() && x.shape().dim(3).isKnown()) {
            long[] out = plan(ctx.node(), scales, sizes, x.shape()).out;
            spatial = new Dim[] {Dim.of(out[0]), Dim.of(out[1])};
        } else if (sizes != null) {
            spatial = new Dim[] {Dim.of((long) sizes[2]), Dim.of((long) sizes[3])};
        }
        return List.of(x.withShape(Shape.of(x.shape().dim(0), x.shape().dim(1), spatial[0], spatial[1])));
    }

    private static void checkAttributes(Node node) {
        String mode = node.attrString("mode", "nearest");
        if (!mode.equals("linear") && !mode.equals("nearest")) {
            throw new GraphException(node.describe() + ": mode '" + mode + "' is not supported (linear, nearest)");
        }
        String coord = node.attrString("coordinate_transformation_mode", "half_pixel");
        if (!COORDINATE_MODES.contains(coord)) {
            throw new GraphException(node.describe() + ": coordinate_transformation_mode '" + coord
                    + "' is not supported (" + String.join(", ", COORDINATE_MODES) + ")");
        }
        String nearest = node.attrString("nearest_mode", "round_prefer_floor");
        if (mode.equals("nearest") && !NEAREST_MODES.contains(nearest)) {
            throw new GraphException(node.describe() + ": unknown nearest_mode '" + nearest + "'");
        }
    }

    /** Scales and output extents as ONNX Runtime derives them: out = (long)(in · scale), or scale = out / in for sizes. */
    private static Plan plan(Node node, double[] scales, double[] sizes, Shape x) {
        double[] s = new double[2];
        long[] out = new long[2];
        if (scales != null && scales.length > 0) {
            if (scales.length != 4 || scales[0] != 1 || scales[1] != 1) {
                throw new GraphException(node.describe() + ": scales must be [1, 1, sh, sw], got " + Arrays.toString(scales));
            }
            for (int a = 0; a < 2; a++) {
                s[a] = (float) scales[2 + a];
                out[a] = (long) ((float) s[a] * (float) x.dim(2 + a).size());
            }
        } else if (sizes != null) {
            if (sizes.length != 4 || (x.dim(0).isKnown() && sizes[0] != x.dim(0).size())
                    || (x.dim(1).isKnown() && sizes[1] != x.dim(1).size())) {
                throw new GraphException(node.describe() + ": sizes must keep N and C, got " + Arrays.toString(sizes)
                        + " for " + x);
            }
            for (int a = 0; a < 2; a++) {
                out[a] = (long) sizes[2 + a];
                s[a] = (float) out[a] / (float) x.dim(2 + a).size();
            }
        } else {
            throw new GraphException(node.describe() + ": scales or sizes must be a constant");
        }
        for (int a = 0; a < 2; a++) {
            if (out[a] <= 0) {
                throw new GraphException(node.describe() + ": the output extent along spatial axis " + a + " is " + out[a]);
            }
        }
        return new Plan(s, out);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        Value x = ctx.input(0);
        if (!x.dim(2).isKnown() || !x.dim(3).isKnown()) {
            throw ctx.error("the gradient needs static spatial extents, got X " + x.shape());
        }
        GraphBuilder b = ctx.b();
        Node node = ctx.node();
        Plan plan = plan(node, ctx.constantValues(2), ctx.constantValues(3), x.shape());
        Value[] m = new Value[2];
        for (int a = 0; a < 2; a++) {
            long in = x.dim(2 + a).size();
            m[a] = b.constant(Tensors.of("", x.dtype(), new long[] {plan.out[a], in},
                    matrix(node, plan.scales[a], in, plan.out[a])));
        }
        // dX = A_hᵀ · dY · A_w
        ctx.addInputGrad(0, b.matMul(b.matMul(b.transpose(m[0], 1, 0), dy), m[1]));
    }

    /** A [out, in], row-major: output position o reads Σ_i A[o, i]·x[i]. */
    private static double[] matrix(Node node, double scale, long in, long out) {
        String mode = node.attrString("mode", "nearest");
        String coord = node.attrString("coordinate_transformation_mode", "half_pixel");
        String nearest = node.attrString("nearest_mode", "round_prefer_floor");
        double[] a = new double[(int) (out * in)];
        for (int o = 0; o < out; o++) {
            float c = original(coord, o, (float) scale, in, out);
            if (mode.equals("nearest")) {
                long i = Math.max(0, Math.min(in - 1, round(nearest, c)));
                a[(int) (o * in + i)] = 1;
            } else {
                float clamped = Math.max(0f, Math.min(c, (float) (in - 1)));
                long i1 = Math.min((long) clamped, in - 1);
                long i2 = Math.min(i1 + 1, in - 1);
                float w2 = i1 == i2 ? 0.5f : clamped - i1;
                float w1 = i1 == i2 ? 0.5f : Math.abs(clamped - i2);
                a[(int) (o * in + i1)] += w1;
                a[(int) (o * in + i2)] += w2;
            }
        }
        return a;
    }

    /** The input coordinate of output position {@code o}, in float as the kernel computes it. */
    private static float original(String coord, long o, float scale, long in, long out) {
        return switch (coord) {
            case "half_pixel" -> (o + 0.5f) / scale - 0.5f;
            case "pytorch_half_pixel" -> out > 1 ? (o + 0.5f) / scale - 0.5f : 0f;
            case "align_corners" -> out == 1 ? 0f : o * (float) (in - 1) / (float) (out - 1);
            case "asymmetric" -> o / scale;
            default -> throw new IllegalArgumentException(coord);
        };
    }

    private static long round(String mode, float x) {
        return switch (mode) {
            case "floor" -> (long) Math.floor(x);
            case "ceil" -> (long) Math.ceil(x);
            case "round_prefer_ceil" -> x == (long) x + 0.5f ? (long) x + 1 : roundHalfAway(x);
            default -> x == (long) x + 0.5f ? (long) x : roundHalfAway(x);
        };
    }

    /** C's std::round: halves away from zero. */
    private static long roundHalfAway(float x) {
        return (long) (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));
    }
}
