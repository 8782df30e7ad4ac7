package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Log: dx = dy / x. */
final class LogOp extends Unary {
    LogOp() {
        super("Log");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        ctx.addInputGrad(0, b.div(dy, ctx.input(0)));
    }
}
