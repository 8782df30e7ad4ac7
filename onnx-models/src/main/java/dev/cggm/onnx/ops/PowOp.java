package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * Pow: y = x^p; dx = dy * p * x^(p-1); dp = dy * y * ln(x) when the exponent needs a gradient
 * (defined for x > 0).
 */
final class PowOp extends Broadcasting {
    PowOp() {
        super("Pow");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        // ONNX allows an exponent of another numeric type; the output has the base's type
        return List.of(new TensorType(ctx.input(0).dtype(), Shape.broadcast(ctx.shape(0), ctx.shape(1))));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value p = ctx.input(1);
        if (ctx.needsGrad(0)) {
            Value pCast = p.dtype() == x.dtype() ? p : b.cast(p, x.dtype());
            Value xPowPm1 = b.pow(x, b.sub(pCast, b.scalarLike(1, x)));
            ctx.addBroadcastGrad(0, b.mul(dy, b.mul(pCast, xPowPm1)));
        }
        if (ctx.needsGrad(1)) {
            Value g = b.mul(dy, b.mul(ctx.output(0), b.log(x)));
            ctx.addBroadcastGrad(1, g.dtype() == p.dtype() ? g : b.cast(g, p.dtype()));
        }
    }
}
