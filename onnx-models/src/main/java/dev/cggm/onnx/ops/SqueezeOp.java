package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Squeeze (opset 13, axes as an optional input). */
final class SqueezeOp extends ReshapeLike {
    SqueezeOp() {
        super("Squeeze");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        TreeSet<Integer> axes = new TreeSet<>();
        if (ctx.hasInput(1)) {
            for (long a : ctx.requireConstantInts(1, "axes")) {
                axes.add(x.shape().normalizeAxis((int) a));
            }
        } else {
            for (int i = 0; i < x.rank(); i++) {
                if (x.shape().dim(i).isOne()) {
                    axes.add(i);
                }
            }
        }
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            Dim d = x.shape().dim(i);
            if (axes.contains(i)) {
                if (d.isKnown() && d.size() != 1) {
                    throw ctx.error("cannot squeeze axis " + i + " of shape " + x.shape());
                }
            } else {
                out.add(d);
            }
        }
        if (x.rank() == 1 && out.isEmpty()) {
            ctx.propagateKnown(0, 0);
        }
        return List.of(x.withShape(new Shape(out)));
    }
}
