package dev.cggm.train.method;

import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.runtime.HostTensor;

import java.util.Map;

/**
 * One balancing method for one run: what it adds to the model's graphs, and the hooks the
 * trainer calls — Lightning-style callbacks around an optax-style gradient transform. Every hook
 * has a do-nothing default; a method overrides what it needs. State that must survive a restart
 * (coefficients carried between steps, prototypes, projection matrices) goes through
 * {@link #state()}; everything random must come from {@link StepContext#random}. The trainer
 * calls, in order:
 * <pre>
 * setup                                 once, before the first step of this process (new or resumed run)
 * per epoch:  onEpochStart              (not again when a run resumes inside the epoch)
 *   per step: plan                      loss weights, trained parameters, method inputs, batch edits
 *     per pass: run → gradients() → clip → optimizer steps
 *   onEpochEnd                          after validation
 * </pre>
 */
public interface BalancingMethod {
    /** Loss terms, inputs, outputs and a prediction rule the method adds to the graphs. */
    default GraphExtension graph() {
        return GraphExtension.NONE;
    }

    /** Called once the model exists (new or resumed run), before any other hook. */
    default void setup(RunContext run) {
    }

    /** At the start of an epoch (stage switches, prototypes, covariances). */
    default void onEpochStart(RunContext run) {
    }

    /** How to run this step; {@link StepPlan#DEFAULT} for one plain pass. */
    default StepPlan plan(StepContext step) {
        return StepPlan.DEFAULT;
    }

    /** The method's gradient transform, applied after each pass's backward and before clipping. */
    default GradientTransform gradients() {
        return GradientTransform.IDENTITY;
    }

    /** After each epoch's validation ({@code run.epoch()} is the epoch that ended). */
    default void onEpochEnd(RunContext run, dev.cggm.train.Evaluation validation) {
    }

    /** State carried between steps, for checkpoints (empty when stateless). */
    default Map<String, HostTensor> state() {
        return Map.of();
    }

    /** Restores {@link #state()} from a checkpoint. */
    default void restore(Map<String, HostTensor> state) {
    }
}
