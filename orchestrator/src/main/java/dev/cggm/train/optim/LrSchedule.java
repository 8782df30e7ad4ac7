package dev.cggm.train.optim;

import java.util.Map;

/**
 * A learning-rate schedule of the model optimizer. Per-step schedules act in {@link #onStep};
 * epoch-level ones in {@link #onEpochEnd}. State is a small map of numbers, for checkpoints.
 */
public interface LrSchedule {
    /** The current learning rate. */
    double lr();

    /** Called before global step {@code step} (0-based). */
    default void onStep(long step) {
    }

    /** Called after each epoch with the validation loss. */
    default void onEpochEnd(int epoch, double validationLoss) {
    }

    Map<String, Double> state();

    void restore(Map<String, Double> state);

    /** A constant learning rate. */
    static LrSchedule constant(double lr) {
        return new LrSchedule() {
            @Override
            public double lr() {
                return lr;
            }

            @Override
            public Map<String, Double> state() {
                return Map.of();
            }

            @Override
            public void restore(Map<String, Double> state) {
            }
        };
    }
}
