package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Abs: dx = dy * sign(x) (0 at x = 0, as PyTorch). */
final class AbsOp extends Unary {
    AbsOp() {
        super("Abs");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        ctx.addInputGrad(0, b.mul(dy, b.sign(ctx.input(0))));
    }
}
