package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Value;

/** Base for ops that only rearrange the shape (Reshape, Flatten, Squeeze, Unsqueeze): dx = Reshape(dy, Shape(x)). */
abstract class ReshapeLike implements OpDefinition {
    private final String opType;

    ReshapeLike(String opType) {
        this.opType = opType;
    }

    @Override
    public String opType() {
        return opType;
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        Value x = ctx.input(0);
        ctx.addInputGrad(0, x.shape().isStatic()
                ? ctx.b().reshape(dy, x.shape().sizes())
                : ctx.b().reshape(dy, ctx.b().shape(x)));
    }
}
