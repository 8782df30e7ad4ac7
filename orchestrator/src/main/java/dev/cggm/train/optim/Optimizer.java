package dev.cggm.train.optim;

import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ParameterSet.Param;

import java.util.List;
import java.util.Map;

/** Updates parameters in place from their gradients, with PyTorch's semantics. */
public interface Optimizer {
    /** One update of {@code params} at learning rate {@code lr}. */
    default void step(List<Param> params, double lr) {
        step(params, lr, p -> 1.0);
    }

    /**
     * One update of {@code params}, each at {@code lr × scale(p)}. Parameters left out keep their
     * values, moments and step counts (as PyTorch skips parameters without gradients).
     */
    void step(List<Param> params, double lr, java.util.function.ToDoubleFunction<Param> scale);

    /** Optimizer state (moments, step count) by key, for checkpoints. */
    Map<String, HostTensor> state();

    void restore(Map<String, HostTensor> state);

    /** Builds an optimizer of a kind. */
    static Optimizer create(dev.cggm.train.config.OptimizerKind kind, double weightDecay, double momentum) {
        return switch (kind) {
            case ADAMW -> new Adam(true, weightDecay);
            case ADAM -> new Adam(false, weightDecay);
            case SGD -> new Sgd(momentum, weightDecay);
        };
    }
}
