package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/** Expand (broadcast to a shape): dx = dy summed over the expanded axes. */
final class ExpandOp implements OpDefinition {
    @Override
    public String opType() {
        return "Expand";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        List<Dim> target = ctx.knownDims(1);
        if (target == null) {
            long n = ctx.input(1).shape().dim(0).size();
            int rank = (int) Math.max(n, x.rank());
            List<Dim> dims = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                dims.add(Dim.unknown());
            }
            return List.of(x.withShape(new Shape(dims)));
        }
        return List.of(x.withShape(Shape.broadcast(x.shape(), new Shape(target))));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy != null && ctx.needsGrad(0)) {
            ctx.addBroadcastGrad(0, dy);
        }
    }
}
