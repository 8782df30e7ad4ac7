package dev.cggm.train.method;

import java.util.Collections;
import java.util.Map;

/**
 * What one run of the training or eval model returned besides gradients, by output name, with
 * accessors for the outputs of the artifact contract. Tensors are host copies, row-major.
 */
public final class StepOutputs {
    private final Map<String, float[]> values;
    private final Map<String, String> modalityOutputs;
    private final Map<String, String> modalityLosses;

    /**
     * @param modalityOutputs modality → output name of its own output (from the artifact manifest)
     * @param modalityLosses  modality → output name of its loss
     */
    public StepOutputs(Map<String, float[]> values, Map<String, String> modalityOutputs, Map<String, String> modalityLosses) {
        this.values = Collections.unmodifiableMap(values);
        this.modalityOutputs = modalityOutputs;
        this.modalityLosses = modalityLosses;
    }

    /** The task loss of the fused output. */
    public double loss() {
        return scalar(dev.cggm.onnx.models.ModelIO.LOSS);
    }

    /** The model output (the prediction in eval runs), [batch, outputDim]. */
    public float[] output() {
        return tensor(dev.cggm.onnx.models.ModelIO.OUTPUT);
    }

    /** A modality's own output (unimodal logits or its auxiliary classifier), [batch, outputDim]. */
    public float[] modalityOutput(String modality) {
        return tensor(modalityOutputs.get(modality));
    }

    /** The loss of a modality's own output. */
    public double modalityLoss(String modality) {
        return scalar(modalityLosses.get(modality));
    }

    /** Whether the run returned this output. */
    public boolean has(String name) {
        return name != null && values.containsKey(name);
    }

    /** Any returned output by name (a method's own outputs, loss terms). */
    public float[] tensor(String name) {
        float[] v = name == null ? null : values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the model run returned no output '" + name + "' (it has "
                    + values.keySet() + ")");
        }
        return v;
    }

    /** A scalar output (a loss). */
    public double scalar(String name) {
        return tensor(name)[0];
    }

    public Map<String, float[]> all() {
        return values;
    }
}
