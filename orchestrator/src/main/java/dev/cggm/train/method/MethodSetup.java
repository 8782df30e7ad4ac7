package dev.cggm.train.method;

import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * What a method is created with: the model it balances (modalities in model order, task, output
 * width), the run's seed (for its own random draws, e.g. OGM-GE's noise) and its number of epochs
 * (for methods that split the run into stages, e.g. UMT's teachers and student).
 */
public record MethodSetup(ArchitectureConfig model, long seed, int epochs) {
    /** A setup outside a training run (tests, tools): one epoch. */
    public MethodSetup(ArchitectureConfig model, long seed) {
        this(model, seed, 1);
    }

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
