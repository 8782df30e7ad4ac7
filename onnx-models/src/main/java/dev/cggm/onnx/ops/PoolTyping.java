package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

/** The output type of a 2-D MaxPool or AveragePool: [N, C, OH, OW] by {@link Window2d}. */
final class PoolTyping {
    private PoolTyping() {
    }

    static TensorType output(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        if (!x.dtype().isFloating() || x.rank() != 4) {
            throw ctx.error("only 2-D pooling is supported: X must be floating [N, C, H, W], got " + x);
        }
        Window2d window = Window2d.pool(ctx.node());
        return x.withShape(Shape.of(x.shape().dim(0), x.shape().dim(1),
                window.outputDim(0, x.shape().dim(2)), window.outputDim(1, x.shape().dim(3))));
    }
}
