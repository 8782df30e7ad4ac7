package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * The statistics and input gradient that normalisations over some axes share (LayerNormalization,
 * InstanceNormalization). With x̂ = (x − μ)·σ⁻¹ over {@code axes} and g the gradient reaching x̂:
 * dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)).
 */
final class Standardization {
    private Standardization() {
    }

    /** {mean, 1/√(variance + ε)} over {@code axes} (kept as size 1), in x's precision; biased variance. */
    static Value[] statistics(GraphBuilder b, Value x, long[] axes, double epsilon) {
        Value mean = b.reduceMean(x, true, axes);
        Value centered = b.sub(x, mean);
        Value variance = b.reduceMean(b.mul(centered, centered), true, axes);
        Value invStd = b.op1("Reciprocal", List.of(b.sqrt(b.add(variance, b.scalarLike(epsilon, x)))));
        return new Value[] {mean, invStd};
    }

    /** dx from g = dL/dx̂. */
    static Value inputGrad(GraphBuilder b, Value g, Value xHat, Value invStd, long[] axes) {
        Value meanG = b.reduceMean(g, true, axes);
        Value meanGx = b.reduceMean(b.mul(g, xHat), true, axes);
        return b.mul(invStd, b.sub(b.sub(g, meanG), b.mul(xHat, meanGx)));
    }
}
