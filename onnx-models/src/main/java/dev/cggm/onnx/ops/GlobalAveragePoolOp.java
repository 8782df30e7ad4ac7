package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * GlobalAveragePool: X [N, C, spatial…] → [N, C, 1, …] (the mean over space). dx = dy broadcast
 * back over space, divided by the number of spatial positions. ONNX Runtime's CPU provider runs
 * it in float only; the gradient's ops also run in double.
 */
final class GlobalAveragePoolOp implements OpDefinition {
    @Override
    public String opType() {
        return "GlobalAveragePool";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        if (!x.dtype().isFloating() || x.rank() < 3) {
            throw ctx.error("X must be floating [N, C, spatial...], got " + x);
        }
        List<Dim> dims = new ArrayList<>(x.shape().dims().subList(0, 2));
        for (int i = 2; i < x.rank(); i++) {
            dims.add(Dim.of(1));
        }
        return List.of(x.withShape(new Shape(dims)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value spread = b.expand(dy, b.shape(x));
        Shape space = new Shape(x.shape().dims().subList(2, x.rank()));
        Value dx = space.isStatic()
                ? b.scale(spread, 1.0 / space.numElements())
                : b.div(spread, b.cast(b.div(b.size(x), b.size(dy)), x.dtype()));
        ctx.addInputGrad(0, dx);
    }
}
