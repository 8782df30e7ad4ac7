package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Sub: da = dy, db = -dy (each un-broadcast). */
final class SubOp extends Broadcasting {
    SubOp() {
        super("Sub");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        // a negative difference (e.g. a -1 for Reshape) is not a dimension: unknown, not clamped to 0
        propagateKnown(ctx, (a, b) -> a.isKnown() && b.isKnown() && a.size() >= b.size()
                ? Dim.of(a.size() - b.size()) : Dim.unknown());
        return super.inferTypes(ctx);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        if (ctx.needsGrad(0)) {
            ctx.addBroadcastGrad(0, dy);
        }
        if (ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, ctx.b().neg(dy));
        }
    }
}
