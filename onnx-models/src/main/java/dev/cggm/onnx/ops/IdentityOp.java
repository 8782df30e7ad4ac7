package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Identity: dx = dy. (A detached Identity is stopped by autodiff before this rule runs.) */
final class IdentityOp extends Unary {
    IdentityOp() {
        super("Identity");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        ctx.propagateKnown(0, 0);
        return super.inferTypes(ctx);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy != null && ctx.needsGrad(0)) {
            ctx.addInputGrad(0, dy);
        }
    }
}
