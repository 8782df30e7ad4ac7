package dev.cggm.train.method;

import dev.cggm.onnx.models.Architectures;

import java.util.List;
import java.util.Set;

/**
 * Plain joint training ({@code joint}, also {@code none}): the fused loss, gradients left alone.
 * It runs on every architecture; where the architecture has auxiliary classifiers they still
 * train on the detached encoder outputs (they cannot affect the model), so joint runs report
 * the same per-modality accuracies and imbalance as balanced ones.
 */
public final class JointTraining implements BalancingMethod {
    /** Joint training has no options. */
    public record Options() implements MethodOptions {
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("joint",
            "joint training: the fused loss, no balancing", Options.class, preset -> new Options(),
            allArchitectures(), Set.of(), 1, Integer.MAX_VALUE, (o, setup) -> new JointTraining());

    private static List<String> allArchitectures() {
        return Architectures.ids();
    }
}
