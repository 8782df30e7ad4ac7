package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Value;

/** Neg: y = -x; dx = -dy. */
final class NegOp extends Unary {
    NegOp() {
        super("Neg");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy != null && ctx.needsGrad(0)) {
            ctx.addInputGrad(0, ctx.b().neg(dy));
        }
    }
}
