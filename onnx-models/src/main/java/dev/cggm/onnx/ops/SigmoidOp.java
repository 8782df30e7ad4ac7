package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Sigmoid: dx = dy * y * (1 - y). */
final class SigmoidOp extends Unary {
    SigmoidOp() {
        super("Sigmoid");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        ctx.addInputGrad(0, b.mul(dy, b.mul(y, b.sub(b.scalarLike(1, y), y))));
    }
}
