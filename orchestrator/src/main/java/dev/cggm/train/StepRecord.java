package dev.cggm.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training step's figures, as the trainer hands them to its {@link TrainListener} and writes
 * them to {@code metrics/steps.jsonl} ({@link #toJson}).
 *
 * @param step          the global step (0-based)
 * @param epoch         the epoch (1-based)
 * @param batchSize     samples in the batch
 * @param loss          the model's loss of the step's first pass
 * @param totalLoss     with the loss terms the method adds outside the graph
 * @param learningRate  the model optimizer's learning rate
 * @param gradNorm      the model's gradient norm before clipping
 * @param modalities    per modality (model order): its auxiliary classifier's loss and agreement
 * @param methodMetrics the method's own figures by name ({@code coeff/text}, {@code l_gm}, …)
 * @param durationMs    wall time of the step
 */
public record StepRecord(long step, int epoch, int batchSize, double loss, double totalLoss, double learningRate,
                         double gradNorm, Map<String, ModalityStep> modalities, Map<String, Double> methodMetrics,
                         double durationMs) {
    public StepRecord {
        // ordered copies (Map.copyOf's order changes between JVMs; the log lines must not)
        modalities = Collections.unmodifiableMap(new LinkedHashMap<>(modalities));
        methodMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(methodMetrics));
    }

    /**
     * A modality's figures in a step.
     *
     * @param classifierLoss its classifier's loss (NaN for a method or architecture without one)
     * @param agreement      the task's agreement of its own output with the targets (CGGM's "accuracy")
     */
    public record ModalityStep(double classifierLoss, double agreement) {
    }

    /**
     * The {@code steps.jsonl} line: {@code step, epoch, batch, loss, total_loss, lr, grad_norm},
     * {@code cls_loss/<m>} and {@code cls_acc/<m>} per modality, {@code method} (an object) and
     * {@code time_ms}; a non-finite classifier loss or method figure is null.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("step", step);
        r.put("epoch", epoch);
        r.put("batch", batchSize);
        r.put("loss", loss);
        r.put("total_loss", totalLoss);
        r.put("lr", learningRate);
        r.put("grad_norm", gradNorm);
        modalities.forEach((m, s) -> {
            r.put("cls_loss/" + m, Evaluation.finiteOrNull(s.classifierLoss()));
            r.put("cls_acc/" + m, s.agreement());
        });
        Map<String, Object> method = new LinkedHashMap<>();
        methodMetrics.forEach((k, v) -> method.put(k, Evaluation.finiteOrNull(v)));
        r.put("method", method);
        r.put("time_ms", durationMs);
        return r;
    }
}
