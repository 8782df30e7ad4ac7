package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/** Transpose: dx = Transpose(dy, inverse permutation). */
final class TransposeOp implements OpDefinition {
    @Override
    public String opType() {
        return "Transpose";
    }

    static int[] perm(long[] attr, int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = attr == null ? rank - 1 - i : (int) attr[i];
        }
        return p;
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        long[] attr = ctx.node().attrInts("perm");
        if (attr != null && attr.length != x.rank()) {
            throw ctx.error("perm has " + attr.length + " entries for rank " + x.rank());
        }
        int[] p = perm(attr, x.rank());
        List<Dim> out = new ArrayList<>();
        for (int a : p) {
            out.add(x.shape().dim(a));
        }
        return List.of(x.withShape(new Shape(out)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        int[] p = perm(ctx.node().attrInts("perm"), dy.rank());
        int[] inv = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            inv[p[i]] = i;
        }
        ctx.addInputGrad(0, ctx.b().transpose(dy, inv));
    }
}
