package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** Base for elementwise ops of one input whose output has the input's type. */
abstract class Unary implements OpDefinition {
    private final String opType;

    Unary(String opType) {
        this.opType = opType;
    }

    @Override
    public String opType() {
        return opType;
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        return List.of(ctx.input(0));
    }
}
