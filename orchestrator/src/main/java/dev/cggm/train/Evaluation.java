package dev.cggm.train;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.TaskMetrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one evaluated split: loss, the task's metrics of the model's predictions, and
 * each modality's accuracy (the task's agreement of the modality's own output) with the gap
 * between the best and the worst ({@code imbalance}).
 */
public final class Evaluation {
    private final Task task;
    private final double loss;
    private final TaskMetrics metrics;
    private final Map<String, Double> modalityAccuracy = new LinkedHashMap<>();

    /**
     * The figures of a split's outputs held at once.
     *
     * @param outputs         predictions, row-major [rows, outputDim]
     * @param modalityOutputs each modality's own outputs, same layout
     */
    public Evaluation(Task task, double loss, float[] outputs, int outputDim, Targets targets,
                      Map<String, float[]> modalityOutputs) {
        this.task = task;
        this.loss = loss;
        this.metrics = task.evaluate(outputs, outputDim, targets);
        modalityOutputs.forEach((m, o) -> modalityAccuracy.put(m, task.agreement(o, outputDim, targets)));
    }

    /**
     * Figures already computed batch by batch (the task's {@link Task#accumulator}; each
     * modality's agreement is a mean over samples, so the row-weighted mean of its batches').
     */
    public Evaluation(Task task, double loss, TaskMetrics metrics, Map<String, Double> modalityAccuracy) {
        this.task = task;
        this.loss = loss;
        this.metrics = metrics;
        this.modalityAccuracy.putAll(modalityAccuracy);
    }

    public double loss() {
        return loss;
    }

    public TaskMetrics metrics() {
        return metrics;
    }

    /** The selection score (higher is better). */
    public double score() {
        return metrics.score();
    }

    public Task task() {
        return task;
    }

    /** Each modality's accuracy (its own output's agreement with the targets). */
    public Map<String, Double> modalityAccuracy() {
        return Collections.unmodifiableMap(modalityAccuracy);
    }

    /** The gap between the best and the worst modality accuracy (0 with one modality). */
    public double imbalance() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double a : modalityAccuracy.values()) {
            lo = Math.min(lo, a);
            hi = Math.max(hi, a);
        }
        return modalityAccuracy.isEmpty() ? 0 : hi - lo;
    }

    /**
     * The flat record of the metrics files and summary, keys with a prefix: {@code loss}, the
     * task metrics ({@code acc}, {@code f1_macro}, … or {@code mae}, …), {@code cls_acc/<m>},
     * {@code imbalance}. Non-finite numbers become null.
     */
    public Map<String, Object> record(String prefix) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(prefix + "loss", finiteOrNull(loss));
        metrics.values().forEach((k, v) -> r.put(prefix + k, finiteOrNull(v)));
        modalityAccuracy.forEach((m, a) -> r.put(prefix + "cls_acc/" + m, finiteOrNull(a)));
        r.put(prefix + "imbalance", finiteOrNull(imbalance()));
        return r;
    }

    static Object finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
