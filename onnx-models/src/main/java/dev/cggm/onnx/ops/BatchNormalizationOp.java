package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.TensorType;

import java.util.List;

/**
 * BatchNormalization (opset 15) in inference mode: Y = scale·(X − mean)/√(var + ε) + B per
 * channel, with fixed statistics (e.g. a pretrained encoder's). Typed only, without a gradient
 * rule: training mode would need running statistics carried across steps and checkpoints, which
 * nothing here does — models that train use InstanceNormalization or a group norm instead.
 */
final class BatchNormalizationOp implements OpDefinition {
    @Override
    public String opType() {
        return "BatchNormalization";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        if (ctx.node().attrInt("training_mode", 0) != 0 || ctx.node().outputs().size() > 1) {
            throw ctx.error("only inference mode (training_mode=0, one output) is supported; train with "
                    + "InstanceNormalization or a group norm");
        }
        TensorType x = ctx.input(0);
        if (!x.dtype().isFloating() || x.rank() < 2) {
            throw ctx.error("X must be floating [N, C, ...], got " + x);
        }
        Dim c = x.shape().dim(1);
        String[] names = {"scale", "B", "input_mean", "input_var"};
        for (int i = 1; i <= 4; i++) {
            TensorType p = ctx.input(i);
            if (p.rank() != 1 || !p.dtype().isFloating()
                    || (c.isKnown() && p.shape().dim(0).isKnown() && p.shape().dim(0).size() != c.size())) {
                throw ctx.error(names[i - 1] + " must be floating [" + c + "], got " + p);
            }
        }
        return List.of(x);
    }

    @Override
    public Gradient gradient() {
        return Gradient.UNSUPPORTED;
    }
}
