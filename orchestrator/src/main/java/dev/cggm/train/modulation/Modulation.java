package dev.cggm.train.modulation;

import dev.cggm.onnx.runtime.HostTensor;

import java.util.Map;

/**
 * A way of balancing modalities during training: it sees each step's gradients and classifier
 * outputs ({@link StepView}) and may rescale gradients or add terms before the optimizers run.
 * One class per method; state that must survive a restart goes through {@link #state()}.
 */
public interface Modulation {
    /** Method id as given on the command line. */
    String id();

    /** Adjusts this step's gradients in place and reports what it did. */
    ModulationStats apply(StepView step);

    /** State carried between steps, for checkpoints (empty when stateless). */
    Map<String, HostTensor> state();

    void restore(Map<String, HostTensor> state);
}
