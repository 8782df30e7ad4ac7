package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * InstanceNormalization (opset 6): y = scale[c]·(x − μ)/√(σ² + ε) + B[c] with μ, σ² (biased) over
 * the spatial axes of each sample and channel — independent of the batch, so as good at batch 8
 * as at 256. With x̂ the normalised input: dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) for g = dy·scale,
 * dscale = Σ dy·x̂ and dB = Σ dy over batch and space. The statistics are recomputed in the
 * input's precision (the op exposes none). ONNX Runtime's CPU provider runs it in float only.
 */
final class InstanceNormalizationOp implements OpDefinition {
    @Override
    public String opType() {
        return "InstanceNormalization";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        if (!x.dtype().isFloating() || x.rank() < 3) {
            throw ctx.error("X must be floating [N, C, spatial...], got " + x);
        }
        Dim c = x.shape().dim(1);
        for (int i = 1; i <= 2; i++) {
            TensorType p = ctx.input(i);
            if (p.dtype() != x.dtype() || p.rank() != 1
                    || (c.isKnown() && p.shape().dim(0).isKnown() && p.shape().dim(0).size() != c.size())) {
                throw ctx.error((i == 1 ? "scale" : "B") + " must be " + x.dtype() + " [" + c + "], got " + p);
            }
        }
        return List.of(x);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        long[] space = new long[x.rank() - 2];
        long[] perChannel = new long[x.rank() - 1];
        perChannel[0] = 0;
        for (int i = 0; i < space.length; i++) {
            space[i] = 2 + i;
            perChannel[1 + i] = 2 + i;
        }
        Value[] stats = Standardization.statistics(b, x, space, ctx.node().attrFloat("epsilon", 1e-5f));
        Value xHat = b.mul(b.sub(x, stats[0]), stats[1]);
        if (ctx.needsGrad(0)) {
            Value scale = b.unsqueeze(ctx.input(1), range(1, space.length));
            ctx.addInputGrad(0, Standardization.inputGrad(b, b.mul(dy, scale), xHat, stats[1], space));
        }
        if (ctx.needsGrad(1)) {
            ctx.addInputGrad(1, b.reduceSum(b.mul(dy, xHat), false, perChannel));
        }
        if (ctx.needsGrad(2)) {
            ctx.addInputGrad(2, b.reduceSum(dy, false, perChannel));
        }
    }

    /** {from, from + 1, …} of the given length. */
    private static long[] range(long from, int length) {
        long[] r = new long[length];
        for (int i = 0; i < length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
