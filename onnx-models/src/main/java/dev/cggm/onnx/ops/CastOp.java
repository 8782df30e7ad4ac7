package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/** Cast: between floating types the gradient is cast back; casts to or from integers carry none. */
final class CastOp implements OpDefinition {
    @Override
    public String opType() {
        return "Cast";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        long to = ctx.node().attrInt("to", -1);
        if (to < 0) {
            throw ctx.error("attribute 'to' is required");
        }
        if (to == DType.INT64.code()) {
            ctx.propagateKnown(0, 0);
        }
        return List.of(ctx.input(0).withDtype(DType.fromCode((int) to)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        DType from = ctx.input(0).dtype();
        if (from.isFloating() && dy.dtype().isFloating()) {
            ctx.addInputGrad(0, dy.dtype() == from ? dy : ctx.b().cast(dy, from));
        }
    }
}
