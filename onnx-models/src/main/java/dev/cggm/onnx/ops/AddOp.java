package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Add: da = db = dy, each summed over the axes it was broadcast along. */
final class AddOp extends Broadcasting {
    AddOp() {
        super("Add");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        propagateKnown(ctx, Dim::plus);
        return super.inferTypes(ctx);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (ctx.needsGrad(i)) {
                ctx.addBroadcastGrad(i, dy);
            }
        }
    }
}
