package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * Gemm: Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A (likewise B'). Each input gradient is
 * itself one Gemm with the transposition flags chosen so no explicit Transpose is needed;
 * dC = beta·dY summed over C's broadcast axes.
 */
final class GemmOp implements OpDefinition {
    @Override
    public String opType() {
        return "Gemm";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType a = ctx.input(0);
        TensorType b = ctx.input(1);
        if (a.rank() != 2 || b.rank() != 2) {
            throw ctx.error("A and B must be matrices, got " + a.shape() + " and " + b.shape());
        }
        boolean ta = ctx.node().attrInt("transA", 0) != 0;
        boolean tb = ctx.node().attrInt("transB", 0) != 0;
        Dim m = a.shape().dim(ta ? 1 : 0);
        Dim ka = a.shape().dim(ta ? 0 : 1);
        Dim kb = b.shape().dim(tb ? 1 : 0);
        Dim n = b.shape().dim(tb ? 0 : 1);
        if (ka.isKnown() && kb.isKnown() && ka.size() != kb.size()) {
            throw ctx.error("inner dimensions differ: " + a.shape() + (ta ? "ᵀ" : "") + " x " + b.shape() + (tb ? "ᵀ" : ""));
        }
        Shape out = Shape.of(m, n);
        if (ctx.hasInput(2)) {
            Shape.broadcast(out, ctx.shape(2)); // C must broadcast to [M, N]
        }
        return List.of(new TensorType(a.dtype(), out));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder g = ctx.b();
        boolean ta = ctx.node().attrInt("transA", 0) != 0;
        boolean tb = ctx.node().attrInt("transB", 0) != 0;
        double alpha = ctx.node().attrFloat("alpha", 1f);
        double beta = ctx.node().attrFloat("beta", 1f);
        Value a = ctx.input(0);
        Value b = ctx.input(1);
        if (ctx.needsGrad(0)) {
            // dA' = alpha·dY·B'ᵀ; when A was transposed, dA = (dA')ᵀ = alpha·B'·dYᵀ
            Value da = ta
                    ? g.gemm(b, dy, null, alpha, 0, tb, true)
                    : g.gemm(dy, b, null, alpha, 0, false, !tb);
            ctx.addInputGrad(0, da);
        }
        if (ctx.needsGrad(1)) {
            // dB' = alpha·A'ᵀ·dY; when B was transposed, dB = alpha·dYᵀ·A'
            Value db = tb
                    ? g.gemm(dy, a, null, alpha, 0, true, ta)
                    : g.gemm(a, dy, null, alpha, 0, !ta, false);
            ctx.addInputGrad(1, db);
        }
        if (ctx.hasInput(2) && ctx.needsGrad(2)) {
            ctx.addBroadcastGrad(2, beta == 1.0 ? dy : g.scale(dy, beta));
        }
    }
}
