package dev.cggm.train.run;

import java.util.Map;

/**
 * Where a run stood when a checkpoint was written: the next step to take, the schedule, the
 * best model so far, the partial epoch sums, and how many metric lines had been written.
 */
public record CheckpointState(
        int epoch,
        int stepInEpoch,
        long globalStep,
        Map<String, Double> schedule,
        double bestScore,
        int bestEpoch,
        double epochLossSum,
        long epochSamples,
        long stepLogLines,
        long epochLogLines) {
}
