package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/** Split (opset 13, sizes as an optional input): dx = Concat of the piece gradients (zeros where none flowed). */
final class SplitOp implements OpDefinition {
    @Override
    public String opType() {
        return "Split";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        int axis = x.shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));
        int n = ctx.node().outputs().size();
        List<Dim> sizes = ctx.knownDims(1);
        List<TensorType> out = new ArrayList<>(n);
        if (sizes == null && ctx.hasInput(1)) {
            for (int i = 0; i < n; i++) {
                out.add(x.withShape(x.shape().with(axis, Dim.unknown())));
            }
            return out;
        }
        if (sizes == null) {
            Dim d = x.shape().dim(axis);
            if (!d.isKnown() || d.size() % n != 0) {
                throw ctx.error("cannot split axis of size " + d + " into " + n + " equal parts");
            }
            sizes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sizes.add(Dim.of(d.size() / n));
            }
        }
        if (sizes.size() != n) {
            throw ctx.error("split has " + sizes.size() + " sizes for " + n + " outputs");
        }
        Dim total = Dim.of(0);
        for (Dim s : sizes) {
            total = total.plus(s);
        }
        Dim axisDim = x.shape().dim(axis);
        if (total.isKnown() && axisDim.isKnown() && total.size() != axisDim.size()) {
            throw ctx.error("split sizes " + sizes + " do not add up to " + axisDim);
        }
        for (Dim s : sizes) {
            out.add(x.withShape(x.shape().with(axis, s)));
        }
        return out;
    }

    @Override
    public void backward(BackwardContext ctx) {
        if (!ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        int n = ctx.node().outputs().size();
        List<Value> parts = new ArrayList<>(n);
        boolean any = false;
        for (int i = 0; i < n; i++) {
            Value g = ctx.outputGrad(i);
            any |= g != null;
            parts.add(g != null ? g : b.zerosLike(ctx.output(i)));
        }
        if (any) {
            int axis = ctx.input(0).shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));
            ctx.addInputGrad(0, b.concat(axis, parts));
        }
    }
}
