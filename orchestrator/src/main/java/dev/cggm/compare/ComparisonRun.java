package dev.cggm.compare;

import dev.cggm.train.TrainResult;

/**
 * One training of a comparison: its entry and seed, and how it ended (a result, or the one-line
 * error of a run that failed).
 *
 * @param secondsPerEpoch training time over epochs trained
 */
public record ComparisonRun(ComparisonEntry entry, long seed, TrainResult result, double secondsPerEpoch, String error) {
    public boolean succeeded() {
        return result != null && "succeeded".equals(result.status());
    }
}
