package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;

/** ArgMax / ArgMin: int64 indices, no gradient. */
final class ArgExtremumOp implements OpDefinition {
    private final String opType;

    ArgExtremumOp(String opType) {
        this.opType = opType;
    }

    @Override
    public String opType() {
        return opType;
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        Shape s = ctx.shape(0);
        int axis = s.normalizeAxis((int) ctx.node().attrInt("axis", 0));
        boolean keep = ctx.node().attrInt("keepdims", 1) != 0;
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            if (i != axis) {
                out.add(s.dim(i));
            } else if (keep) {
                out.add(Dim.of(1));
            }
        }
        return List.of(new TensorType(DType.INT64, new Shape(out)));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
