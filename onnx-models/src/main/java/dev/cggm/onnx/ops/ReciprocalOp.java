package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Reciprocal: y = 1/x; dx = -dy * y^2. */
final class ReciprocalOp extends Unary {
    ReciprocalOp() {
        super("Reciprocal");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        ctx.addInputGrad(0, b.neg(b.mul(dy, b.mul(y, y))));
    }
}
