package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * LayerNormalization (opset 17) over the axes from {@code axis} on. With x̂ = (x − μ)·σ⁻¹ and
 * g = dy·scale: dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)), dscale = Σ dy·x̂, dbias = Σ dy (sums over
 * the leading axes). For float inputs μ and σ⁻¹ are the node's own optional outputs; for other
 * types they are recomputed in the input's precision (ONNX stashes them as float).
 */
final class LayerNormalizationOp implements OpDefinition {
    @Override
    public String opType() {
        return "LayerNormalization";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        int axis = x.shape().normalizeAxis((int) ctx.node().attrInt("axis", -1));
        TensorType scale = ctx.input(1);
        if (scale.dtype() != x.dtype()) {
            throw ctx.error("scale must be " + x.dtype() + ", got " + scale.dtype());
        }
        List<Dim> stats = new ArrayList<>(x.shape().dims().subList(0, axis));
        for (int i = axis; i < x.rank(); i++) {
            stats.add(Dim.of(1));
        }
        DType stash = DType.fromCode((int) ctx.node().attrInt("stash_type", 1));
        TensorType statType = new TensorType(stash, new Shape(stats));
        return List.of(x, statType, statType);
    }

    @Override
    public void backward(BackwardContext ctx) {
        if (ctx.outputGrad(1) != null || ctx.outputGrad(2) != null) {
            throw ctx.error("a gradient through the Mean or InvStdDev output is not supported");
        }
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        int axis = x.shape().normalizeAxis((int) ctx.node().attrInt("axis", -1));
        long[] normAxes = new long[x.rank() - axis];
        for (int i = 0; i < normAxes.length; i++) {
            normAxes[i] = axis + i;
        }
        Value mean;
        Value invStd;
        if (x.dtype() == DType.FLOAT && ctx.node().attrInt("stash_type", 1) == DType.FLOAT.code()) {
            mean = ctx.output(1);
            invStd = ctx.output(2);
        } else {
            Value[] stats = Standardization.statistics(b, x, normAxes, ctx.node().attrFloat("epsilon", 1e-5f));
            mean = stats[0];
            invStd = stats[1];
        }
        Value xHat = b.mul(b.sub(x, mean), invStd);
        if (ctx.needsGrad(0)) {
            ctx.addInputGrad(0, Standardization.inputGrad(b, b.mul(dy, ctx.input(1)), xHat, invStd, normAxes));
        }
        if (ctx.needsGrad(1)) {
            ctx.addBroadcastGrad(1, b.mul(dy, xHat));
        }
        if (ctx.hasInput(2) && ctx.needsGrad(2)) {
            ctx.addBroadcastGrad(2, dy);
        }
    }
}
