package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** LogSoftmax along one axis (opset 13): dx = dy − exp(y) · Σ_axis dy. */
final class LogSoftmaxOp extends Unary {
    LogSoftmaxOp() {
        super("LogSoftmax");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value y = ctx.output(0);
        int axis = y.shape().normalizeAxis((int) ctx.node().attrInt("axis", -1));
        Value total = b.reduceSum(dy, true, axis);
        ctx.addInputGrad(0, b.sub(dy, b.mul(b.exp(y), total)));
    }
}
