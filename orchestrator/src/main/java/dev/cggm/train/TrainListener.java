package dev.cggm.train;

/** Receives a run's progress: the same records that go to the metrics files. */
public interface TrainListener {
    TrainListener NONE = new TrainListener() {
    };

    /** After each training step (what steps.jsonl records). */
    default void onStep(StepRecord record, long stepsPerEpoch) {
    }

    /** After each epoch's validation (what epochs.jsonl records). */
    default void onEpoch(EpochRecord record) {
    }

    /** A notable event worth a line of text (resumed, checkpoint written, …). */
    default void onMessage(String message) {
    }
}
