package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** Flatten to 2-D at {@code axis}. */
final class FlattenOp extends ReshapeLike {
    FlattenOp() {
        super("Flatten");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        int axis = (int) ctx.node().attrInt("axis", 1);
        if (axis < 0) {
            axis += x.rank();
        }
        Dim outer = Dim.of(1);
        Dim inner = Dim.of(1);
        for (int i = 0; i < x.rank(); i++) {
            if (i < axis) {
                outer = outer.times(x.shape().dim(i));
            } else {
                inner = inner.times(x.shape().dim(i));
            }
        }
        return List.of(x.withShape(Shape.of(outer, inner)));
    }
}
