package dev.cggm.train;

/** A run that had to stop (non-finite values, bad data); the last good checkpoint is kept. */
public final class TrainingFailed extends RuntimeException {
    public TrainingFailed(String message) {
        super(message);
    }
}
