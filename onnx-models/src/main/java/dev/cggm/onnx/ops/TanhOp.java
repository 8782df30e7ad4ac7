package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Tanh: dx = dy * (1 - y^2). */
final class TanhOp extends Unary {
    TanhOp() {
        super("Tanh");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        ctx.addInputGrad(0, b.mul(dy, b.sub(b.scalarLike(1, y), b.mul(y, y))));
    }
}
