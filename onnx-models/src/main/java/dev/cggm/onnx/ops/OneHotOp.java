package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;

/** OneHot(indices, depth, values): the depth axis is inserted at {@code axis}. No gradient. */
final class OneHotOp implements OpDefinition {
    @Override
    public String opType() {
        return "OneHot";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        Shape idx = ctx.shape(0);
        List<Dim> depthKnown = ctx.knownDims(1);
        Dim depth = depthKnown != null && depthKnown.size() == 1 ? depthKnown.get(0) : Dim.unknown();
        int rank = idx.rank() + 1;
        long axis = ctx.node().attrInt("axis", -1);
        int a = (int) (axis < 0 ? axis + rank : axis);
        List<Dim> out = new ArrayList<>(idx.dims());
        out.add(a, depth);
        return List.of(new TensorType(ctx.input(2).dtype(), new Shape(out)));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
