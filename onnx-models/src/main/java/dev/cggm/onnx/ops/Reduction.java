package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Shared typing and gradient plumbing of ReduceSum/ReduceMean/ReduceMax-style ops. Where the
 * axes come from (attribute before opset 18 for most, input since opset 13 for ReduceSum) is the
 * subclass's business.
 */
abstract class Reduction implements OpDefinition {
    private final String opType;

    Reduction(String opType) {
        this.opType = opType;
    }

    @Override
    public String opType() {
        return opType;
    }

    /** Marks axes that are only known at run time. */
    static final long[] DYNAMIC = new long[0];

    /** The axes to reduce, all axes when empty, null for "none" (noop), or {@link #DYNAMIC}. */
    abstract long[] axes(InferenceContext ctx);

    abstract long[] axes(BackwardContext ctx);

    static TreeSet<Integer> normalized(long[] axes, int rank) {
        TreeSet<Integer> set = new TreeSet<>();
        if (axes == null || axes.length == 0) {
            for (int i = 0; i < rank; i++) {
                set.add(i);
            }
        } else {
            for (long a : axes) {
                set.add((int) (a < 0 ? a + rank : a));
            }
        }
        return set;
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        long[] axes = axes(ctx);
        if (axes == null) {
            return List.of(x);
        }
        boolean keep = ctx.node().attrInt("keepdims", 1) != 0;
        if (axes == DYNAMIC) {
            if (!keep) {
                throw ctx.error("axes computed at run time need keepdims=1 for type inference");
            }
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < x.rank(); i++) {
                dims.add(x.shape().dim(i).isOne() ? Dim.of(1) : Dim.unknown());
            }
            return List.of(x.withShape(new Shape(dims)));
        }
        TreeSet<Integer> set = normalized(axes, x.rank());
        for (int a : set) {
            if (a < 0 || a >= x.rank()) {
                throw ctx.error("axis out of range for shape " + x.shape());
            }
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (!set.contains(i)) {
                out.add(x.shape().dim(i));
            } else if (keep) {
                out.add(Dim.of(1));
            }
        }
        return List.of(x.withShape(new Shape(out)));
    }

    /** dy broadcast back over the reduced axes to x's shape. */
    static Value expandBack(BackwardContext ctx, Value dy, long[] axes) {
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        boolean keep = ctx.node().attrInt("keepdims", 1) != 0;
        Value g = dy;
        if (!keep && dy.rank() > 0) {
            TreeSet<Integer> set = normalized(axes, x.rank());
            g = b.unsqueeze(dy, set.stream().mapToLong(Integer::longValue).toArray());
        }
        return b.expand(g, b.shape(x));
    }

    /** The number of elements averaged per output element (static when possible). */
    static Value count(BackwardContext ctx, long[] axes) {
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        long n = 1;
        boolean known = true;
        for (int a : normalized(axes, x.rank())) {
            Dim d = x.dim(a);
            if (d.isKnown()) {
                n *= d.size();
            } else {
                known = false;
            }
        }
        if (known) {
            return b.scalarLike(n, x);
        }
        return b.cast(b.div(b.size(x), b.size(ctx.output(0))), x.dtype());
    }
}
