package dev.cggm.train.method.igm;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.Trainer;
import dev.cggm.train.method.GradientBuffers;
import dev.cggm.train.method.StepContext;
import dev.cggm.train.method.StepOutputs;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A training step with given outputs and features over a real model's parameters and roles, for
 * driving IGM with hand-chosen inputs. {@link #rerun} does not run a model: it writes the given
 * "re-run" gradients into the buffers, records the loss weights and a copy of every parameter
 * value at that moment, and returns the given re-run outputs.
 */
final class ScriptedStep implements StepContext {
    private final long step;
    private final int epoch;
    private final List<String> modalities;
    private final Targets targets;
    private final ParameterSet params;
    private final ModelRoles roles;
    private final Map<String, FloatBuffer> features;
    private final StepOutputs outputs;
    private final StepOutputs rerunOutputs;
    private final Map<String, float[]> rerunGradients;
    final List<Map<String, Double>> rerunWeights = new ArrayList<>();
    final List<Map<String, float[]>> valuesAtRerun = new ArrayList<>();

    ScriptedStep(long step, int epoch, List<String> modalities, Targets targets, ParameterSet params, ModelRoles roles,
                 Map<String, FloatBuffer> features, Map<String, float[]> outputs, Map<String, float[]> rerunOutputs,
                 Map<String, float[]> rerunGradients) {
        this.step = step;
        this.epoch = epoch;
        this.modalities = modalities;
        this.targets = targets;
        this.params = params;
        this.roles = roles;
        this.features = features;
        Map<String, String> losses = new LinkedHashMap<>();
        modalities.forEach(m -> losses.put(m, "unimodal_loss/" + m));
        this.outputs = new StepOutputs(outputs, Map.of(), losses);
        this.rerunOutputs = new StepOutputs(rerunOutputs, Map.of(), losses);
        this.rerunGradients = rerunGradients;
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int pass() {
        return 0;
    }

    @Override
    public int stepInEpoch() {
        return (int) step();
    }

    @Override
    public int stepsPerEpoch() {
        return Integer.MAX_VALUE;
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
        return Tasks.CLASSIFICATION;
    }

    @Override
    public int outputDim() {
        return 3;
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
        throw new UnsupportedOperationException("not scripted");
    }

    @Override
    public SplittableRandom random(int site) {
        return dev.cggm.train.method.StepContext.randomOf(7, step, 0, site);
    }

    @Override
    public FloatBuffer features(String modality) {
        return features.get(modality);
    }

    @Override
    public StepOutputs rerun(Map<String, Double> lossWeights, GradientBuffers into) {
        rerunWeights.add(Map.copyOf(lossWeights));
        Map<String, float[]> values = new LinkedHashMap<>();
        for (ParameterSet.Param p : params.all()) {
            float[] v = new float[p.size()];
            p.value().get(0, v);
            values.put(p.name(), v);
            into.of(p).put(0, rerunGradients.get(p.name()));
        }
        valuesAtRerun.add(values);
        return rerunOutputs;
    }

    @Override
    public GradientBuffers newGradientBuffers() {
        Map<String, FloatBuffer> buffers = new HashMap<>();
        for (ParameterSet.Param p : params.all()) {
            buffers.put(p.name(), FloatBuffer.allocate(p.size()));
        }
        return p -> buffers.get(p.name());
    }

    @Override
    public StepOutputs evaluateWithout(Set<String> zeroedModalities) {
        throw new UnsupportedOperationException("not scripted");
    }
}
