package dev.cggm.train;

import java.util.function.LongUnaryOperator;

/** Listeners for tests that pause a run at a chosen step. */
final class PauseAt {
    private PauseAt() {
    }

    /**
     * Asks {@code control} to pause once the step numbered {@code stepOf(steps per epoch)} has
     * run (steps count from 0), e.g. {@code spe -> spe + 1} for the second step of epoch 2.
     */
    static TrainListener step(TrainControl control, LongUnaryOperator stepOf) {
        return new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                if (record.step() == stepOf.applyAsLong(stepsPerEpoch)) {
                    control.requestPause();
                }
            }
        };
    }
}
