package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Where(cond, a, b): da = dy where cond, db = dy elsewhere (each un-broadcast); cond gets none. */
final class WhereOp extends Broadcasting {
    WhereOp() {
        super("Where");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        if (ctx.input(0).dtype() != DType.BOOL) {
            throw ctx.error("condition must be bool, got " + ctx.input(0).dtype());
        }
        checkSameType(ctx, 1, 2);
        return List.of(new TensorType(ctx.input(1).dtype(), broadcastShape(ctx, 0, 1, 2)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value cond = ctx.input(0);
        Value zero = b.scalarLike(0, dy);
        if (ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, b.where(cond, dy, zero));
        }
        if (ctx.needsGrad(2)) {
            ctx.addBroadcastGrad(2, b.where(cond, zero, dy));
        }
    }
}
