package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/** Shape (opset 15, optional start/end): its contents are known symbolically from the input's type. */
final class ShapeOp implements OpDefinition {
    @Override
    public String opType() {
        return "Shape";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        List<Dim> dims = ctx.shape(0).dims();
        int r = dims.size();
        long start = ctx.node().attrInt("start", 0);
        long end = ctx.node().attrInt("end", r);
        int s = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
        int e = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
        List<Dim> picked = s < e ? dims.subList(s, e) : List.of();
        ctx.setKnownOutput(0, picked);
        return List.of(TensorType.of(DType.INT64, picked.size()));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
