package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Unsqueeze (opset 13, axes as an input). */
final class UnsqueezeOp extends ReshapeLike {
    UnsqueezeOp() {
        super("Unsqueeze");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        long[] axes = ctx.requireConstantInts(1, "axes");
        int outRank = x.rank() + axes.length;
        TreeSet<Integer> set = new TreeSet<>();
        for (long a : axes) {
            int n = (int) (a < 0 ? a + outRank : a);
            if (n < 0 || n >= outRank || !set.add(n)) {
                throw ctx.error("invalid axes " + java.util.Arrays.toString(axes) + " for input " + x.shape());
            }
        }
        List<Dim> out = new ArrayList<>();
        int j = 0;
        for (int i = 0; i < outRank; i++) {
            out.add(set.contains(i) ? Dim.of(1) : x.shape().dim(j++));
        }
        if (x.rank() == 0) {
            ctx.propagateKnown(0, 0);
        }
        return List.of(x.withShape(new Shape(out)));
    }
}
