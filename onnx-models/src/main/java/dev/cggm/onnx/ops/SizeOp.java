package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** Size: the element count as an int64 scalar. */
final class SizeOp implements OpDefinition {
    @Override
    public String opType() {
        return "Size";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        Dim n = Dim.of(1);
        for (Dim d : ctx.shape(0).dims()) {
            n = n.times(d);
        }
        ctx.setKnownOutput(0, List.of(n));
        return List.of(new TensorType(DType.INT64, Shape.scalar()));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
