package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.train.Evaluation;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.data.FeatureSplit;

import java.util.Map;
import java.util.Optional;

/**
 * What a method may use outside a step (at setup, at an epoch's start or end): the parameters
 * and roles, passes of the eval model over a split, evaluation, and control of the optimizers
 * and parameter values for methods that train in stages.
 */
public interface RunContext {
    /** The current epoch, 0-based (the one about to start, or just ended). */
    int epoch();

    int epochs();

    long seed();

    ParameterSet params();

    ModelRoles roles();

    /** The training split (its rows in split order). */
    FeatureSplit train();

    FeatureSplit validation();

    /** What {@link #forEachBatch} hands over per batch. */
    @FunctionalInterface
    interface BatchConsumer {
        void accept(int[] rows, dev.cggm.onnx.tasks.Targets targets, StepOutputs outputs);
    }

    /** Runs the eval model (no dropout, no gradients) over a split in order, batch by batch. */
    void forEachBatch(FeatureSplit split, BatchConsumer consumer);

    /** Loss, task metrics and per-modality accuracy of a split (as the trainer evaluates validation). */
    Evaluation evaluate(FeatureSplit split);

    /** Forgets the optimizers' moments and step counts (a new stage starts afresh). */
    void resetOptimizers();

    /** Overwrites every parameter value. */
    void restoreParameters(Map<String, SafeTensors.Entry> values);

    /** The parameters the run started from. */
    Map<String, SafeTensors.Entry> initialParameters();

    /** The best parameters on validation so far, if an epoch has ended. */
    Optional<Map<String, SafeTensors.Entry>> bestParameters();

    /** A line in the run's log. */
    void log(String message);
}
