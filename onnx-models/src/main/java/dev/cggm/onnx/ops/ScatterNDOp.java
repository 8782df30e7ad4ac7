package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** ScatterND: output typed like data. Used by the Gather gradient; it has no gradient rule itself. */
final class ScatterNDOp implements OpDefinition {
    @Override
    public String opType() {
        return "ScatterND";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        return List.of(ctx.input(0));
    }

    @Override
    public Gradient gradient() {
        return Gradient.UNSUPPORTED;
    }
}
