package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Relu: dx = dy where y > 0, else 0. */
final class ReluOp extends Unary {
    ReluOp() {
        super("Relu");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        ctx.addInputGrad(0, b.where(b.greater(y, b.scalarLike(0, y)), dy, b.scalarLike(0, dy)));
    }
}
