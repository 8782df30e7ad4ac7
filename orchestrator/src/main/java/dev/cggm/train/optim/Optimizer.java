package dev.cggm.train.optim;

import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ParameterSet.Param;

import java.util.List;
import java.util.Map;

/** Updates parameters in place from their gradients, with PyTorch's semantics. */
public interface Optimizer {
    /** One update of {@code params} at learning rate {@code lr}. */
    void step(List<Param> params, double lr);

    /** Steps taken so far. */
    long steps();

    /** Optimizer state (moments, step count) by key, for checkpoints. */
    Map<String, HostTensor> state();

    void restore(Map<String, HostTensor> state);

    /** Builds an optimizer by name ({@code adamw}, {@code adam}, {@code sgd}). */
    static Optimizer create(String name, double weightDecay, double momentum) {
        return switch (name.toLowerCase()) {
            case "adamw" -> new Adam(true, weightDecay);
            case "adam" -> new Adam(false, weightDecay);
            case "sgd" -> new Sgd(momentum, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (adamw, adam, sgd)");
        };
    }
}
