package dev.cggm.onnx.ops;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * Dropout (opset 13). In training mode dx = dy · mask / (1 − ratio), using the mask the forward
 * node draws (its optional second output); in inference mode dx = dy.
 */
final class DropoutOp implements OpDefinition {
    @Override
    public String opType() {
        return "Dropout";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        return List.of(x, x.withDtype(DType.BOOL));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        if (!trainingMode(ctx)) {
            ctx.addInputGrad(0, dy);
            return;
        }
        Value mask = ctx.output(1);
        Value kept = b.mul(dy, b.cast(mask, dy.dtype()));
        Value scale;
        if (!ctx.hasInput(1)) {
            scale = b.scalarLike(2.0, dy); // default ratio 0.5
        } else {
            TensorProto r = constantOf(ctx, 1);
            if (r != null) {
                scale = b.scalarLike(1.0 / (1.0 - Tensors.toDoubles(r)[0]), dy);
            } else {
                Value ratio = ctx.input(1);
                Value ratioCast = ratio.dtype() == dy.dtype() ? ratio : b.cast(ratio, dy.dtype());
                scale = b.op1("Reciprocal", List.of(b.sub(b.scalarLike(1, dy), ratioCast)));
            }
        }
        ctx.addInputGrad(0, b.mul(kept, scale));
    }

    private static boolean trainingMode(BackwardContext ctx) {
        if (!ctx.hasInput(2)) {
            return false;
        }
        long[] mode = ctx.constantInts(2);
        if (mode == null) {
            throw ctx.error("training_mode must be a constant to differentiate");
        }
        return mode[0] != 0;
    }

    private static TensorProto constantOf(BackwardContext ctx, int input) {
        return ctx.b().graph().constant(ctx.node().input(input));
    }
}
