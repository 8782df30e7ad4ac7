package dev.cggm.onnx.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;

import java.util.ArrayList;
import java.util.List;

/** Constant (value, value_float(s), value_int(s)). */
final class ConstantOp implements OpDefinition {
    @Override
    public String opType() {
        return "Constant";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        var n = ctx.node();
        if (n.hasAttr("value")) {
            var t = n.attrTensor("value");
            if (Tensors.dtype(t) == DType.INT64 && t.getDimsCount() <= 1) {
                List<Dim> dims = new ArrayList<>();
                for (long v : Tensors.toLongs(t)) {
                    dims.add(v >= 0 ? Dim.of(v) : Dim.unknown());
                }
                ctx.setKnownOutput(0, dims);
            }
            return List.of(new TensorType(Tensors.dtype(t), Tensors.shapeOf(t)));
        }
        for (AttributeProto a : n.attributes()) {
            switch (a.getName()) {
                case "value_float":
                    return List.of(new TensorType(DType.FLOAT, Shape.scalar()));
                case "value_floats":
                    return List.of(TensorType.of(DType.FLOAT, a.getFloatsCount()));
                case "value_int":
                    ctx.setKnownOutput(0, List.of(Dim.of(a.getI())));
                    return List.of(new TensorType(DType.INT64, Shape.scalar()));
                case "value_ints": {
                    List<Dim> dims = new ArrayList<>();
                    for (long v : a.getIntsList()) {
                        dims.add(v >= 0 ? Dim.of(v) : Dim.unknown());
                    }
                    ctx.setKnownOutput(0, dims);
                    return List.of(TensorType.of(DType.INT64, a.getIntsCount()));
                }
                default:
                    break;
            }
        }
        throw ctx.error("needs a 'value', 'value_float(s)' or 'value_int(s)' attribute");
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
