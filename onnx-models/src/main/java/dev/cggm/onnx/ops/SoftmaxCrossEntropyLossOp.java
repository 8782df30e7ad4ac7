package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * SoftmaxCrossEntropyLoss (opset 13) over scores [N, C, d1, …] and labels [N, d1, …] (spatial
 * dims for segmentation), with optional class weights [C] and ignore_index. With p =
 * softmax(scores) over C (exp of the node's log_prob output) and w the weight of each position's
 * class (0 where ignored): dscores = (p − onehot(y)) · w · dloss / Σw for reduction "mean" — ONNX
 * Runtime's and PyTorch's weighted mean Σ w_y·l / Σ w_y over every position — without the
 * division for "sum", and per position for "none". Unweighted "mean" divides by the number of
 * positions not ignored.
 */
final class SoftmaxCrossEntropyLossOp implements OpDefinition {
    @Override
    public String opType() {
        return "SoftmaxCrossEntropyLoss";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType scores = ctx.input(0);
        TensorType labels = ctx.input(1);
        if (!scores.dtype().isFloating()) {
            throw ctx.error("scores must be floating point, got " + scores.dtype());
        }
        if (labels.dtype() != DType.INT64 && labels.dtype() != DType.INT32) {
            throw ctx.error("labels must be int32 or int64, got " + labels.dtype());
        }
        if (scores.rank() < 2 || labels.rank() != scores.rank() - 1) {
            throw ctx.error("expected scores [N, C, ...] and labels [N, ...], got " + scores.shape() + " and " + labels.shape());
        }
        String reduction = ctx.node().attrString("reduction", "mean");
        TensorType loss = reduction.equals("none")
                ? new TensorType(scores.dtype(), labels.shape())
                : new TensorType(scores.dtype(), Shape.scalar());
        return List.of(loss, scores);
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dLoss = ctx.outputGrad(0);
        if (ctx.outputGrad(1) != null) {
            throw ctx.error("a gradient through the log_prob output is not supported");
        }
        if (dLoss == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value scores = ctx.input(0);
        DType t = scores.dtype();
        String reduction = ctx.node().attrString("reduction", "mean");
        Value labels = ctx.input(1).dtype() == DType.INT64 ? ctx.input(1) : b.cast(ctx.input(1), DType.INT64);
        boolean hasIgnore = ctx.node().hasAttr("ignore_index");
        Value valid = null;
        if (hasIgnore) {
            valid = b.not(b.equal(labels, b.intScalar(ctx.node().attrInt("ignore_index", 0))));
            labels = b.where(valid, labels, b.intScalar(0));
        }
        Value residual = b.sub(b.exp(ctx.output(1)), b.classIndicator(labels, scores));

        // per-position weights (null means all ones)
        Value w = ctx.hasInput(2) ? b.gather(ctx.input(2), labels, 0) : null;
        if (valid != null) {
            Value v = b.cast(valid, t);
            w = w == null ? v : b.mul(w, v);
        }
        Value factor;
        switch (reduction) {
            case "mean" -> {
                Value denom = w != null ? b.reduceSum(w, false) : b.cast(b.size(labels), t);
                Value scale = b.div(dLoss, denom);
                factor = w == null ? scale : b.mul(w, scale);
            }
            case "sum" -> factor = w == null ? dLoss : b.mul(w, dLoss);
            case "none" -> factor = w == null ? dLoss : b.mul(w, dLoss);
            default -> throw ctx.error("unknown reduction '" + reduction + "'");
        }
        if (factor.rank() > 0) {
            factor = b.unsqueeze(factor, 1);
        }
        ctx.addInputGrad(0, b.mul(residual, factor));
    }
}
