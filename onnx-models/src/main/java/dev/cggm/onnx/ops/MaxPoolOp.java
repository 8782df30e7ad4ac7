package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * MaxPool (opset 12), 2-D: X [N, C, H, W] → Y [N, C, OH, OW] and the optional int64 Indices
 * (flat positions in X). The gradient sends each dY element to the input its window's maximum
 * came from, as ONNX Runtime's Indices output names it, accumulating where overlapping windows
 * pick the same input (ScatterElements with reduction add). Ties go to the first maximum in the
 * window's row-major order — ORT's kernel keeps a value only if strictly greater — which is what
 * PyTorch's CPU max_pool2d does; the other tied inputs get nothing. Runs in float and double.
 */
final class MaxPoolOp implements OpDefinition {
    @Override
    public String opType() {
        return "MaxPool";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType y = PoolTyping.output(ctx);
        if (ctx.node().attrInt("storage_order", 0) != 0) {
            throw ctx.error("storage_order=1 (column-major Indices) is not supported");
        }
        return List.of(y, new TensorType(DType.INT64, y.shape()));
    }

    @Override
    public void backward(BackwardContext ctx) {
        if (ctx.outputGrad(1) != null) {
            throw ctx.error("the Indices output carries no gradient");
        }
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value flatIndices = b.reshape(ctx.output(1), -1);
        Value zeros = b.reshape(b.zerosLike(x), -1);
        Value scattered = b.op1("ScatterElements", List.of(zeros, flatIndices, b.reshape(dy, -1)),
                Attr.i("axis", 0), Attr.s("reduction", "add"));
        Shape shape = x.shape();
        ctx.addInputGrad(0, shape.isStatic() ? b.reshape(scattered, shape.sizes()) : b.reshape(scattered, b.shape(x)));
    }
}
