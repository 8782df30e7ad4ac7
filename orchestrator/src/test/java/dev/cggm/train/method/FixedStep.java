package dev.cggm.train.method;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A training step with chosen outputs, for tests that drive a method with hand-computed inputs:
 * the modality outputs and targets are given, the parameters and roles are a real model's.
 * Extra runs of the model are not available here (tests of those use the trainer).
 */
final class FixedStep implements StepContext {
    private final long step;
    private final Task task;
    private final int outputDim;
    private final List<String> modalities;
    private final Targets targets;
    private final ParameterSet params;
    private final ModelRoles roles;
    private final StepOutputs outputs;

    FixedStep(long step, Task task, int outputDim, Map<String, float[]> modalityOutputs, Targets targets,
              ParameterSet params, ModelRoles roles) {
        this.step = step;
        this.task = task;
        this.outputDim = outputDim;
        this.modalities = List.copyOf(modalityOutputs.keySet());
        this.targets = targets;
        this.params = params;
        this.roles = roles;
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        modalityOutputs.forEach((m, o) -> {
            values.put("out/" + m, o);
            names.put(m, "out/" + m);
        });
        this.outputs = new StepOutputs(values, names, Map.of());
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public int epoch() {
        return 0;
    }

    @Override
    public int pass() {
        return 0;
    }

    @Override
    public int batchSize() {
        return targets.rows();
    }

    @Override
    public int[] rows() {
        int[] r = new int[targets.rows()];
        for (int i = 0; i < r.length; i++) {
            r[i] = i;
        }
        return r;
    }

    @Override
    public List<String> modalities() {
        return modalities;
    }

    @Override
    public Task task() {
        return task;
    }

    @Override
    public int outputDim() {
        return outputDim;
    }

    @Override
    public Targets targets() {
        return targets;
    }

    @Override
    public ParameterSet params() {
        return params;
    }

    @Override
    public ModelRoles roles() {
        return roles;
    }

    @Override
    public StepOutputs outputs() {
        return outputs;
    }

    @Override
    public double modalityAgreement(String modality) {
        return task.agreement(outputs.modalityOutput(modality), outputDim, targets);
    }

    @Override
    public SplittableRandom random(int site) {
        return new SplittableRandom(step * 1_000_003L + site);
    }

    @Override
    public FloatBuffer features(String modality) {
        throw new UnsupportedOperationException("a fixed step has no features");
    }

    @Override
    public StepOutputs rerun(Map<String, Double> lossWeights, GradientBuffers into) {
        throw new UnsupportedOperationException("a fixed step cannot re-run the model");
    }

    @Override
    public GradientBuffers newGradientBuffers() {
        throw new UnsupportedOperationException("a fixed step cannot re-run the model");
    }

    @Override
    public StepOutputs evaluateWithout(Set<String> zeroedModalities) {
        throw new UnsupportedOperationException("a fixed step cannot run the model");
    }
}
