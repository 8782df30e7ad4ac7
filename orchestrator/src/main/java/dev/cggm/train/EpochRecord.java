package dev.cggm.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's figures after its validation, as the trainer hands them to its
 * {@link TrainListener} and writes them to {@code metrics/epochs.jsonl} ({@link #toJson}).
 *
 * @param epoch          the epoch (1-based)
 * @param step           the global step after the epoch
 * @param trainLoss      the mean training loss over the epoch's samples (NaN when it trained none)
 * @param learningRate   the model optimizer's learning rate after the epoch's schedule update
 * @param validation     the validation split's figures
 * @param best           whether this epoch's model is the best so far (and was saved)
 * @param elapsedSeconds since the run (or this resumption) started
 */
public record EpochRecord(int epoch, long step, double trainLoss, double learningRate, Evaluation validation,
                          boolean best, double elapsedSeconds) {
    /**
     * The {@code epochs.jsonl} line: {@code epoch, step, train_loss, lr}, the validation record
     * with the prefix {@code val_} ({@link Evaluation#record}), {@code best, elapsed_s}.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("epoch", epoch);
        r.put("step", step);
        r.put("train_loss", Evaluation.finiteOrNull(trainLoss));
        r.put("lr", learningRate);
        r.putAll(validation.record("val_"));
        r.put("best", best);
        r.put("elapsed_s", elapsedSeconds);
        return r;
    }
}
