package dev.cggm.train.method;

import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ParameterSet;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * How the trainer runs one step of a method: one or more {@link Pass passes} over the batch —
 * each a forward + backward with its own loss weights, the gradient transform, clipping and an
 * optimizer step of the parameters it trains — and the values of the method's graph inputs.
 * Most methods take one pass with the default weights; alternating methods train one
 * modality's part per pass (MLA) or per stage (IGM).
 *
 * @param inputs values of the inputs the method declared in its graph (prototypes, teacher features, …)
 */
public record StepPlan(List<Pass> passes, Map<String, HostTensor> inputs) {
    /** One pass with the default loss weights, training every parameter at the scheduled rate. */
    public static final StepPlan DEFAULT = new StepPlan(List.of(Pass.DEFAULT), Map.of());

    public StepPlan {
        if (passes.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one pass");
        }
        passes = List.copyOf(passes);
        inputs = Map.copyOf(inputs);
    }

    /** A single pass. */
    public static StepPlan of(Pass pass) {
        return new StepPlan(List.of(pass), Map.of());
    }

    public StepPlan withInputs(Map<String, HostTensor> values) {
        return new StepPlan(passes, values);
    }

    /**
     * One forward + backward + update.
     *
     * @param name        shown in logs when a step has several passes (e.g. the modality it trains)
     * @param lossWeights weights of loss terms by term name; terms not named keep their default
     * @param trains      the parameters the optimizers update in this pass (others keep their values and moments)
     * @param lrScale     a factor on the scheduled learning rate per parameter (MSLR's per-modality rates)
     */
    public record Pass(String name, Map<String, Double> lossWeights, Predicate<ParameterSet.Param> trains,
                       ToDoubleFunction<ParameterSet.Param> lrScale) {
        public static final Pass DEFAULT = new Pass("", Map.of(), p -> true, p -> 1.0);

        public Pass {
            lossWeights = Map.copyOf(lossWeights);
        }

        /** A pass with these loss weights, training everything. */
        public static Pass weighted(String name, Map<String, Double> lossWeights) {
            return new Pass(name, lossWeights, p -> true, p -> 1.0);
        }

        public Pass training(Predicate<ParameterSet.Param> which) {
            return new Pass(name, lossWeights, which, lrScale);
        }

        public Pass withLrScale(ToDoubleFunction<ParameterSet.Param> scale) {
            return new Pass(name, lossWeights, trains, scale);
        }
    }
}
