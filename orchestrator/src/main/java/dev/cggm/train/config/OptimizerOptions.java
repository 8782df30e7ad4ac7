package dev.cggm.train.config;

/**
 * The model optimizer.
 *
 * @param momentum SGD momentum
 */
public record OptimizerOptions(OptimizerKind kind, double lr, double weightDecay, double momentum) {
    public OptimizerOptions {
        InvalidOption.required("kind", kind);
        InvalidOption.positive("lr", lr);
        InvalidOption.nonNegative("weight_decay", weightDecay);
        InvalidOption.within("momentum", momentum, 0, 1, true);
    }
}
