package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Div: y = a / b; da = dy / b, db = -dy * y / b (each un-broadcast). */
final class DivOp extends Broadcasting {
    DivOp() {
        super("Div");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value divisor = ctx.input(1);
        if (ctx.needsGrad(0)) {
            ctx.addBroadcastGrad(0, b.div(dy, divisor));
        }
        if (ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, b.neg(b.div(b.mul(dy, ctx.output(0)), divisor)));
        }
    }
}
