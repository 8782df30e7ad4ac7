package dev.cggm.train.method;

import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * What a method is created with: the model it balances (modalities in model order, task, output
 * width) and the run's seed (for its own random draws, e.g. OGM-GE's noise).
 */
public record MethodSetup(ArchitectureConfig model, long seed) {
    public List<String> modalities() {
        return model.modalityNames();
    }

    public Task task() {
        return model.task();
    }

    public int outputDim() {
        return model.outputDim();
    }
}
