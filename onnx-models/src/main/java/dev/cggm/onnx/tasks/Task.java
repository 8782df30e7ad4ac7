package dev.cggm.onnx.tasks;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

/**
 * What a model predicts and how that is judged: the target tensor, the width of the model's
 * output, the training loss (written into the graph), the metrics of an evaluated split and the
 * score that picks the best model, and the per-sample agreement that CGGM and the reports call a
 * modality's "accuracy". One class per task, found by id in {@link Tasks}.
 */
public interface Task {
    /** The id used in configurations, manifests and on the command line ({@code classification}, …). */
    @JsonValue
    String id();

    /** The registered task of this id (how configurations and manifests name a task). */
    @JsonCreator
    static Task of(String id) {
        return Tasks.get(id);
    }

    /**
     * The target tensor of a batch: int64 {@code [batch]} class indices, {@code [batch, 1]}
     * values of {@code floatType} (the model's float type), or int64 {@code [batch, ...spatial]}
     * label maps for tasks with spatial targets.
     */
    TensorType targetType(Dim batch, DType floatType, Dim... spatial);

    /** The model's output width for data with {@code numClasses} classes (regression: 1). */
    int outputDim(int numClasses);

    /** The mean training loss of {@code output} against {@code target} (a scalar in the graph). */
    Value loss(GraphBuilder b, Value output, Value target);

    /**
     * The mean agreement of {@code rows} outputs ({@code outputDim} values each, row-major) with
     * their targets: argmax accuracy for classification, agreement of signs for regression.
     * CGGM turns its changes into coefficients; reports show it per modality.
     */
    double agreement(float[] output, int outputDim, Targets targets);

    /** What {@link #agreement} is called in reports and plots ("accuracy" unless the task says otherwise). */
    default String agreementName() {
        return "accuracy";
    }

    /** The metrics of a whole split's outputs (row-major, {@code outputDim} per sample). */
    TaskMetrics evaluate(float[] outputs, int outputDim, Targets targets);

    /**
     * The metrics of a split fed batch by batch, for splits whose outputs are too large to hold at
     * once (segmentation scores). By default the outputs are gathered and {@link #evaluate}d at the end.
     *
     * @param targets the whole split's targets, in row order
     */
    default TaskMetrics.Accumulator accumulator(int outputDim, Targets targets) {
        return new TaskMetrics.Gathered(this, outputDim, targets);
    }

    /**
     * Checks targets before training: their type and shape, and every value (labels within
     * {@code numClasses}, finite values). Errors name the sample by {@code ids[row]}.
     */
    void check(Targets targets, int numClasses, String[] ids, String split);

    /** The metric that picks the best model (higher is better once {@link TaskMetrics#score()} is applied). */
    String scoreMetric();
}
