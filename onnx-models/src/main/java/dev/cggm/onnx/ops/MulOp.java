package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Mul: da = dy * b, db = dy * a (each un-broadcast). */
final class MulOp extends Broadcasting {
    MulOp() {
        super("Mul");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        propagateKnown(ctx, Dim::times);
        return super.inferTypes(ctx);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        if (ctx.needsGrad(0)) {
            ctx.addBroadcastGrad(0, b.mul(dy, ctx.input(1)));
        }
        if (ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, b.mul(dy, ctx.input(0)));
        }
    }
}
