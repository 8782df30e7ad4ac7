package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Value;

/** ReduceSum (opset 13, axes as an optional input): dx = dy broadcast back over the reduced axes. */
final class ReduceSumOp extends Reduction {
    ReduceSumOp() {
        super("ReduceSum");
    }

    @Override
    long[] axes(InferenceContext ctx) {
        if (ctx.hasInput(1) && ctx.constantInts(1) == null) {
            return DYNAMIC;
        }
        long[] axes = ctx.hasInput(1) ? ctx.constantInts(1) : new long[0];
        boolean noop = ctx.node().attrInt("noop_with_empty_axes", 0) != 0;
        return axes.length == 0 && noop ? null : axes;
    }

    @Override
    long[] axes(BackwardContext ctx) {
        long[] axes = ctx.hasInput(1) ? ctx.constantInts(1) : new long[0];
        if (axes == null) {
            throw ctx.error("axes must be constant to differentiate");
        }
        // absent axes count as empty: with noop_with_empty_axes the op is the identity
        boolean noop = ctx.node().attrInt("noop_with_empty_axes", 0) != 0;
        return axes.length == 0 && noop ? null : axes;
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        long[] axes = axes(ctx);
        ctx.addInputGrad(0, axes == null ? dy : expandBack(ctx, dy, axes));
    }
}
