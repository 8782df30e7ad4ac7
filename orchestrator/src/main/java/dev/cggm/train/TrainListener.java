package dev.cggm.train;

import java.util.Map;

/** Receives a run's progress: the same records that go to the metrics files. */
public interface TrainListener {
    TrainListener NONE = new TrainListener() {
    };

    /** After each training step (the steps.jsonl record). */
    default void onStep(Map<String, Object> record, long stepsPerEpoch) {
    }

    /** After each epoch's validation (the epochs.jsonl record). */
    default void onEpoch(Map<String, Object> record) {
    }

    /** A notable event worth a line of text (resumed, checkpoint written, …). */
    default void onMessage(String message) {
    }
}
