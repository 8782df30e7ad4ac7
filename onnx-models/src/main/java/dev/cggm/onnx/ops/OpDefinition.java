package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/**
 * Everything the project knows about one ONNX operator: how to type its outputs and, if it is
 * differentiable, its vector-Jacobian product emitted as standard ONNX ops.
 */
public interface OpDefinition {
    /** How gradients relate to this op. */
    enum Gradient {
        /** {@link #backward} emits input gradients. */
        DIFFERENTIABLE,
        /** Outputs are constant with respect to every input (shapes, comparisons, indices): no gradient flows. */
        NONE,
        /** Typed but without a gradient rule: autodiff fails if a gradient has to pass through it. */
        UNSUPPORTED
    }

    /** The ONNX op type, e.g. {@code "MatMul"}. */
    String opType();

    /** Output types from input types (and constant inputs); may record known int64 values. */
    List<TensorType> inferTypes(InferenceContext ctx);

    default Gradient gradient() {
        return Gradient.DIFFERENTIABLE;
    }

    /**
     * Emits the gradient of every input for which {@link BackwardContext#needsGrad} holds, given
     * the gradients flowing into the outputs.
     */
    default void backward(BackwardContext ctx) {
        throw ctx.error("has no gradient rule");
    }
}
