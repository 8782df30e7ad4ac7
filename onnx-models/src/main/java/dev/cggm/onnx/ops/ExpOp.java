package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Exp: dx = dy * y. */
final class ExpOp extends Unary {
    ExpOp() {
        super("Exp");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        ctx.addInputGrad(0, b.mul(dy, ctx.output(0)));
    }
}
