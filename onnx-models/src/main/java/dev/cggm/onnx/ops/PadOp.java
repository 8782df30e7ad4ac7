package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;

/** Pad (opset 13, pads as an input). Typed only: autodiff uses it, it has no gradient rule itself. */
final class PadOp implements OpDefinition {
    @Override
    public String opType() {
        return "Pad";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        List<Dim> pads = ctx.knownDims(1);
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            Dim d = x.shape().dim(i);
            if (pads == null || pads.size() != 2 * x.rank()) {
                dims.add(Dim.unknown());
            } else {
                Dim before = pads.get(i);
                Dim after = pads.get(i + x.rank());
                dims.add(before.isKnown() && after.isKnown() ? d.plus(Dim.of(before.size() + after.size())) : Dim.unknown());
            }
        }
        return List.of(x.withShape(new Shape(dims)));
    }

    @Override
    public Gradient gradient() {
        return Gradient.UNSUPPORTED;
    }
}
