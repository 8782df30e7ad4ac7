package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * Clip (opset 13; min and max are optional scalar inputs), e.g. ReLU6 = Clip(x, 0, 6). The
 * gradient follows PyTorch's {@code clamp}: dx = dy where min ≤ x ≤ max (bounds inclusive),
 * dmin = Σ dy where x &lt; min, dmax = Σ dy where x &gt; max (min ≤ max assumed).
 */
final class ClipOp implements OpDefinition {
    @Override
    public String opType() {
        return "Clip";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        for (int i = 1; i <= 2; i++) {
            if (!ctx.hasInput(i)) {
                continue;
            }
            TensorType bound = ctx.input(i);
            if (bound.dtype() != x.dtype() || bound.rank() != 0) {
                throw ctx.error((i == 1 ? "min" : "max") + " must be a " + x.dtype() + " scalar, got " + bound);
            }
        }
        return List.of(x);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value zero = b.scalarLike(0, dy);
        Value below = ctx.hasInput(1) ? b.less(x, ctx.input(1)) : null;
        Value above = ctx.hasInput(2) ? b.greater(x, ctx.input(2)) : null;
        if (ctx.needsGrad(0)) {
            Value outside = below == null ? above : above == null ? below : b.op1("Or", List.of(below, above));
            ctx.addInputGrad(0, outside == null ? dy : b.where(outside, zero, dy));
        }
        if (below != null && ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, b.where(below, dy, zero));
        }
        if (above != null && ctx.needsGrad(2)) {
            ctx.addBroadcastGrad(2, b.where(above, dy, zero));
        }
    }
}
