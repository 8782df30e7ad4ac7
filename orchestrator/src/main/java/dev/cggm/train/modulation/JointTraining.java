package dev.cggm.train.modulation;

import dev.cggm.onnx.runtime.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain joint training ({@code --modulation none}): gradients are left alone. The per-modality
 * classifiers still train on the detached encoder outputs — they cannot affect the model — so
 * joint runs report the same per-modality accuracies and imbalance as modulated ones.
 */
public final class JointTraining implements Modulation {
    @Override
    public String id() {
        return "none";
    }

    @Override
    public ModulationStats apply(StepView step) {
        Map<String, Double> acc = new LinkedHashMap<>();
        Map<String, Double> coeff = new LinkedHashMap<>();
        Map<String, Double> cos = new LinkedHashMap<>();
        for (String m : step.modalities()) {
            acc.put(m, ClassifierAccuracy.of(step, step.classifierOutputs().get(m)));
            coeff.put(m, 1.0);
            cos.put(m, Double.NaN);
        }
        return new ModulationStats(acc, coeff, cos, Double.NaN, 0, false);
    }

    @Override
    public Map<String, HostTensor> state() {
        return Map.of();
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
    }
}
