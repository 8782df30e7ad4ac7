package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * Slice (opset 13, bounds as inputs). The gradient pads dy with zeros back to the input's extent;
 * it needs constant bounds and unit steps (a step other than 1 is a clear error).
 */
final class SliceOp implements OpDefinition {
    @Override
    public String opType() {
        return "Slice";
    }

    /** Bounds of one Slice node, normalised to one entry per sliced axis. */
    private record Bounds(long[] starts, long[] ends, int[] axes, long[] steps) {
    }

    private static Bounds bounds(long[] starts, long[] ends, long[] axes, long[] steps, int rank) {
        int[] ax = new int[starts.length];
        long[] st = new long[starts.length];
        for (int i = 0; i < starts.length; i++) {
            long a = axes == null ? i : axes[i];
            ax[i] = (int) (a < 0 ? a + rank : a);
            st[i] = steps == null ? 1 : steps[i];
        }
        return new Bounds(starts, ends, ax, st);
    }

    /** Clamps a start or end index into [0, size] for a positive step. */
    private static long clamp(long index, long size) {
        long i = index < 0 ? index + size : index;
        return Math.max(0, Math.min(size, i));
    }

    /** Clamps for a negative step (start/end in [-1, size-1]). */
    private static long clampNeg(long index, long size) {
        long i = index < 0 ? index + size : index;
        return Math.max(-1, Math.min(size - 1, i));
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        long[] starts = ctx.requireConstantInts(1, "starts");
        long[] ends = ctx.requireConstantInts(2, "ends");
        long[] axes = ctx.hasInput(3) ? ctx.requireConstantInts(3, "axes") : null;
        long[] steps = ctx.hasInput(4) ? ctx.requireConstantInts(4, "steps") : null;
        if (starts.length != ends.length) {
            throw ctx.error("starts and ends differ in length");
        }
        Bounds bnd = bounds(starts, ends, axes, steps, x.rank());
        List<Dim> dims = new ArrayList<>(x.shape().dims());
        for (int i = 0; i < bnd.axes.length; i++) {
            int a = bnd.axes[i];
            if (a < 0 || a >= x.rank()) {
                throw ctx.error("axis " + a + " out of range for " + x.shape());
            }
            long step = bnd.steps[i];
            if (step == 0) {
                throw ctx.error("step must not be 0");
            }
            Dim d = x.shape().dim(a);
            if (d.isKnown()) {
                long s;
                long e;
                if (step > 0) {
                    s = clamp(bnd.starts[i], d.size());
                    e = clamp(bnd.ends[i], d.size());
                } else {
                    s = clampNeg(bnd.starts[i], d.size());
                    e = clampNeg(bnd.ends[i], d.size());
                }
                long len = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e + (-step) - 1) / (-step));
                dims.set(a, Dim.of(len));
            } else if (step == 1 && bnd.starts[i] == 0 && bnd.ends[i] >= Integer.MAX_VALUE) {
                dims.set(a, d);
            } else {
                dims.set(a, Dim.unknown());
            }
        }
        propagateKnown(ctx, x, bnd);
        return List.of(x.withShape(new Shape(dims)));
    }

    /** Slicing a known shape vector (e.g. Shape(x)[1:]) keeps it known. */
    private static void propagateKnown(InferenceContext ctx, TensorType x, Bounds bnd) {
        List<Dim> known = ctx.knownDims(0);
        if (known == null || x.rank() != 1 || bnd.axes.length != 1 || bnd.steps[0] != 1) {
            return;
        }
        long s = clamp(bnd.starts[0], known.size());
        long e = clamp(bnd.ends[0], known.size());
        ctx.setKnownOutput(0, s < e ? known.subList((int) s, (int) e) : List.of());
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        long[] starts = ctx.constantInts(1);
        long[] ends = ctx.constantInts(2);
        long[] axes = ctx.hasInput(3) ? ctx.constantInts(3) : null;
        long[] steps = ctx.hasInput(4) ? ctx.constantInts(4) : null;
        if (starts == null || ends == null || (ctx.hasInput(3) && axes == null) || (ctx.hasInput(4) && steps == null)) {
            throw ctx.error("bounds must be constant to differentiate");
        }
        Bounds bnd = bounds(starts, ends, axes, steps, x.rank());
        int rank = x.rank();
        Object[] before = new Object[rank];
        Object[] after = new Object[rank];
        for (int i = 0; i < rank; i++) {
            before[i] = 0L;
            after[i] = 0L;
        }
        for (int i = 0; i < bnd.axes.length; i++) {
            if (bnd.steps[i] != 1) {
                throw ctx.error("gradient of Slice with step " + bnd.steps[i] + " is not supported (only step 1)");
            }
            int a = bnd.axes[i];
            Dim d = x.dim(a);
            if (d.isKnown()) {
                long s = clamp(bnd.starts[i], d.size());
                long e = Math.max(s, clamp(bnd.ends[i], d.size()));
                before[a] = s;
                after[a] = d.size() - e;
            } else {
                Value size = b.gather(b.shape(x), b.ints(a), 0);
                Value s = dynamicClamp(b, bnd.starts[i], size);
                Value e = b.op1("Max", List.of(s, dynamicClamp(b, bnd.ends[i], size)));
                before[a] = s;
                after[a] = b.sub(size, e);
            }
        }
        ctx.addInputGrad(0, b.op1("Pad", List.of(dy, padsVector(b, before, after)),
                dev.cggm.onnx.graph.Attr.s("mode", "constant")));
    }

    /** An index clamped into [0, size] at run time. */
    private static Value dynamicClamp(GraphBuilder b, long index, Value size) {
        if (index >= 0) {
            return b.op1("Min", List.of(b.ints(index), size));
        }
        return b.op1("Max", List.of(b.add(size, b.ints(index)), b.ints(0)));
    }

    /** ONNX pads [b0, b1, …, a0, a1, …] from static (Long) or dynamic (Value [1]) entries. */
    private static Value padsVector(GraphBuilder b, Object[] before, Object[] after) {
        List<Object> all = new ArrayList<>(List.of(before));
        all.addAll(List.of(after));
        if (all.stream().allMatch(o -> o instanceof Long)) {
            return b.ints(all.stream().mapToLong(o -> (Long) o).toArray());
        }
        List<Value> parts = new ArrayList<>();
        for (Object o : all) {
            parts.add(o instanceof Long l ? b.ints(l) : (Value) o);
        }
        return b.concat(0, parts);
    }
}
