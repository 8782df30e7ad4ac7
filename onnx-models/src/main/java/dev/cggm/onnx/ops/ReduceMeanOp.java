package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Value;

/** ReduceMean (opset 17, axes as an attribute): dx = dy broadcast back, divided by the count. */
final class ReduceMeanOp extends Reduction {
    ReduceMeanOp() {
        super("ReduceMean");
    }

    @Override
    long[] axes(InferenceContext ctx) {
        long[] a = ctx.node().attrInts("axes");
        return a == null ? new long[0] : a;
    }

    @Override
    long[] axes(BackwardContext ctx) {
        long[] a = ctx.node().attrInts("axes");
        return a == null ? new long[0] : a;
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        long[] axes = axes(ctx);
        ctx.addInputGrad(0, ctx.b().div(expandBack(ctx, dy, axes), count(ctx, axes)));
    }
}
