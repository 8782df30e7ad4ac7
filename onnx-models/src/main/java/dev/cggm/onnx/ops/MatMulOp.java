package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * MatMul with numpy semantics (batch broadcasting, 1-D operands promoted). dA = dY·Bᵀ and
 * dB = Aᵀ·dY, summed over broadcast batch axes. A 2-D weight against a batched input — every
 * linear layer — gets its gradient as one GEMM over the flattened batch instead of a batched
 * product followed by a reduction.
 */
final class MatMulOp implements OpDefinition {
    @Override
    public String opType() {
        return "MatMul";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType a = ctx.input(0);
        TensorType b = ctx.input(1);
        if (a.dtype() != b.dtype()) {
            throw ctx.error("operands must share one element type, got " + a.dtype() + " and " + b.dtype());
        }
        if (a.rank() == 0 || b.rank() == 0) {
            throw ctx.error("operands must have rank >= 1, got " + a.shape() + " and " + b.shape());
        }
        Shape sa = a.rank() == 1 ? Shape.of(Dim.of(1), a.shape().dim(0)) : a.shape();
        Shape sb = b.rank() == 1 ? Shape.of(b.shape().dim(0), Dim.of(1)) : b.shape();
        Dim ka = sa.dim(-1);
        Dim kb = sb.dim(-2);
        if (ka.isKnown() && kb.isKnown() && ka.size() != kb.size()) {
            throw ctx.error("inner dimensions differ: " + a.shape() + " x " + b.shape());
        }
        Shape batch = Shape.broadcast(new Shape(sa.dims().subList(0, sa.rank() - 2)),
                new Shape(sb.dims().subList(0, sb.rank() - 2)));
        List<Dim> out = new ArrayList<>(batch.dims());
        if (a.rank() > 1) {
            out.add(sa.dim(-2));
        }
        if (b.rank() > 1) {
            out.add(sb.dim(-1));
        }
        return List.of(new TensorType(a.dtype(), new Shape(out)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value w = ctx.input(1);
        // promote 1-D operands (and the matching axis of dy) to matrices
        Value x2 = x.rank() == 1 ? b.unsqueeze(x, 0) : x;
        Value w2 = w.rank() == 1 ? b.unsqueeze(w, 1) : w;
        Value dy2 = dy;
        if (x.rank() == 1) {
            dy2 = b.unsqueeze(dy2, w.rank() == 1 ? 0 : dy2.rank() - 1);
        }
        if (w.rank() == 1) {
            dy2 = b.unsqueeze(dy2, dy2.rank());
        }
        if (ctx.needsGrad(0)) {
            Value dx = b.matMul(dy2, transposeLast2(b, w2));
            if (x.rank() == 1) {
                dx = b.squeeze(sumLeading(b, dx, dx.rank() - 2), 0);
                ctx.addInputGrad(0, dx);
            } else {
                ctx.addBroadcastGrad(0, dx);
            }
        }
        if (ctx.needsGrad(1)) {
            Value dw;
            if (w2.rank() == 2 && x2.rank() > 2) {
                // one GEMM over the flattened batch axes of x and dy
                dw = b.gemm(flattenBatch(b, x2), flattenBatch(b, dy2), null, 1.0, 0.0, true, false);
            } else if (matrixSize(x2) > matrixSize(dy2)) {
                // (dyᵀ·x)ᵀ: transposing the smaller operands is cheaper than a transposed large one
                // (attention's dV = Pᵀ·dY with P of L×L is ~2x faster this way in ONNX Runtime)
                dw = transposeLast2(b, b.matMul(transposeLast2(b, dy2), x2));
            } else {
                dw = b.matMul(transposeLast2(b, x2), dy2);
            }
            if (w.rank() == 1) {
                ctx.addInputGrad(1, b.reshape(sumLeading(b, dw, dw.rank() - 2), b.shape(w)));
            } else {
                ctx.addBroadcastGrad(1, dw);
            }
        }
    }

    /** Elements of the trailing matrix (0 when unknown, so the default form is kept). */
    private static long matrixSize(Value v) {
        Dim r = v.dim(-2);
        Dim c = v.dim(-1);
        return r.isKnown() && c.isKnown() ? r.size() * c.size() : 0;
    }

    /** [..., n] to [prod(...), n]. */
    private static Value flattenBatch(GraphBuilder b, Value v) {
        Dim last = v.dim(-1);
        if (last.isKnown()) {
            return b.reshape(v, -1, last.size());
        }
        return b.reshape(v, b.concat(0, b.ints(-1), b.gather(b.shape(v), b.ints(v.rank() - 1), 0)));
    }

    private static Value transposeLast2(GraphBuilder b, Value v) {
        int r = v.rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return b.transpose(v, perm);
    }

    /** Sums over the first {@code n} axes (keeping none of them). */
    private static Value sumLeading(GraphBuilder b, Value v, int n) {
        if (n <= 0) {
            return v;
        }
        long[] axes = new long[n];
        for (int i = 0; i < n; i++) {
            axes[i] = i;
        }
        return b.reduceSum(v, false, axes);
    }
}
