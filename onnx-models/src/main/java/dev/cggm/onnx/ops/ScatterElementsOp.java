package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/**
 * ScatterElements (opset 16, reduction none/add/mul): output typed like data. Used by the
 * MaxPool gradient (reduction add, so overlapping windows accumulate); no gradient rule itself.
 */
final class ScatterElementsOp implements OpDefinition {
    @Override
    public String opType() {
        return "ScatterElements";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType data = ctx.input(0);
        TensorType indices = ctx.input(1);
        TensorType updates = ctx.input(2);
        if (updates.dtype() != data.dtype() || indices.rank() != data.rank() || updates.rank() != data.rank()) {
            throw ctx.error("expected data, indices and updates of one rank (updates of data's type), got "
                    + data + ", " + indices + ", " + updates);
        }
        return List.of(data);
    }

    @Override
    public Gradient gradient() {
        return Gradient.UNSUPPORTED;
    }
}
