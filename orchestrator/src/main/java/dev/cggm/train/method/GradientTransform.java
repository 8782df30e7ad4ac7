package dev.cggm.train.method;

import java.util.List;

/**
 * Edits a step's gradients in place after the backward pass and before the optimizers, as an
 * optax gradient transform does: scale a modality's encoder gradients, add a term's gradient,
 * project a layer's gradient, add noise. Transforms compose with {@link #then}; the trainer runs
 * the method's transform and then clips the model's gradients.
 */
@FunctionalInterface
public interface GradientTransform {
    /** Leaves gradients alone. */
    GradientTransform IDENTITY = step -> StepReport.NONE;

    StepReport apply(StepContext step);

    /** This transform, then {@code next}; their reports are merged. */
    default GradientTransform then(GradientTransform next) {
        return step -> apply(step).and(next.apply(step));
    }

    /** The transforms in order. */
    static GradientTransform chain(List<GradientTransform> transforms) {
        GradientTransform t = IDENTITY;
        for (GradientTransform next : transforms) {
            t = t.then(next);
        }
        return t;
    }
}
