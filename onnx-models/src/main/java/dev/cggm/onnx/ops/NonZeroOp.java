package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** NonZero: int64 [rank, count]. */
final class NonZeroOp implements OpDefinition {
    @Override
    public String opType() {
        return "NonZero";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        return List.of(new TensorType(DType.INT64, Shape.of(Dim.of(ctx.input(0).rank()), Dim.unknown())));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
