package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/**
 * Max and Min (n-ary, broadcasting). Typed, and evaluated on known shape values, but without a
 * gradient rule: autodiff fails with a clear message if one lies on a gradient path.
 */
final class ExtremumOp extends Broadcasting {
    private final boolean max;

    ExtremumOp(boolean max) {
        super(max ? "Max" : "Min");
        this.max = max;
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        if (ctx.numInputs() == 2) {
            propagateKnown(ctx, (a, b) -> a.isKnown() && b.isKnown()
                    ? Dim.of(max ? Math.max(a.size(), b.size()) : Math.min(a.size(), b.size())) : Dim.unknown());
        }
        return super.inferTypes(ctx);
    }

    @Override
    public Gradient gradient() {
        return Gradient.UNSUPPORTED;
    }
}
