package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** Range: 1-D, length known when the bounds are constants. */
final class RangeOp implements OpDefinition {
    @Override
    public String opType() {
        return "Range";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        long[] start = ctx.constantInts(0);
        long[] limit = ctx.constantInts(1);
        long[] delta = ctx.constantInts(2);
        Dim n = Dim.unknown();
        if (start != null && limit != null && delta != null && delta[0] != 0) {
            n = Dim.of(Math.max(0, (long) Math.ceil((limit[0] - start[0]) / (double) delta[0])));
        } else {
            List<Dim> lim = ctx.knownDims(1);
            if (start != null && start[0] == 0 && delta != null && delta[0] == 1 && lim != null) {
                n = lim.get(0);
            }
        }
        return List.of(new TensorType(ctx.input(0).dtype(), Shape.of(n)));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
