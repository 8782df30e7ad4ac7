package dev.cggm.train.config;

/**
 * The optimizer of the auxiliary classifiers (CGGM's per-modality classifiers): the model
 * optimizer's kind and momentum with its own rate and weight decay.
 */
public record AuxiliaryOptions(double lr, double weightDecay) {
    public AuxiliaryOptions {
        InvalidOption.positive("lr", lr);
        InvalidOption.nonNegative("weight_decay", weightDecay);
    }
}
