package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;

/** Equal, Greater, Less, And, Or, …: broadcast inputs, bool output, no gradient. */
final class Comparison extends Broadcasting {
    Comparison(String opType) {
        super(opType);
    }

    @Override
    DType outputType(InferenceContext ctx) {
        return DType.BOOL;
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
