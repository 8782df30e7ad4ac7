package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Erf: dx = dy * 2/sqrt(pi) * exp(-x^2). */
final class ErfOp extends Unary {
    ErfOp() {
        super("Erf");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value g = b.exp(b.neg(b.mul(x, x)));
        ctx.addInputGrad(0, b.mul(dy, b.scale(g, 2.0 / Math.sqrt(Math.PI))));
    }
}
