package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

/** Softmax along one axis (opset 13): dx = y · (dy − Σ_axis dy·y). */
final class SoftmaxOp extends Unary {
    SoftmaxOp() {
        super("Softmax");
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
        Value dot = b.reduceSum(b.mul(dy, y), true, axis);
        ctx.addInputGrad(0, b.mul(y, b.sub(dy, dot)));
    }
}
