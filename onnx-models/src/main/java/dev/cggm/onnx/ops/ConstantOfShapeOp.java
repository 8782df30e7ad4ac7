package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;

import java.util.ArrayList;
import java.util.List;

/** ConstantOfShape: the shape comes from a (possibly symbolically known) int64 vector. */
final class ConstantOfShapeOp implements OpDefinition {
    @Override
    public String opType() {
        return "ConstantOfShape";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        var value = ctx.node().attrTensor("value");
        DType dtype = value == null ? DType.FLOAT : Tensors.dtype(value);
        List<Dim> dims = ctx.knownDims(0);
        if (dims == null) {
            TensorType s = ctx.input(0);
            dims = new ArrayList<>();
            for (int i = 0; i < s.shape().dim(0).size(); i++) {
                dims.add(Dim.unknown());
            }
        }
        return List.of(new TensorType(dtype, new Shape(dims)));
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
