package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Sqrt: dx = dy / (2 y). */
final class SqrtOp extends Unary {
    SqrtOp() {
        super("Sqrt");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        ctx.addInputGrad(0, b.div(dy, b.scale(y, 2.0)));
    }
}
