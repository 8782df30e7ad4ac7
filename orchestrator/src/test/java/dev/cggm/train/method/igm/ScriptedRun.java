package dev.cggm.train.method.igm;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.train.Evaluation;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.method.RunContext;
import dev.cggm.train.method.StepOutputs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run around a stage switch, scripted: the epoch, a best model (or none), and the eval
 * outputs {@link #forEachBatch} hands over per batch; it counts optimizer resets and applies
 * parameter restores to the real parameter set.
 */
final class ScriptedRun implements RunContext {
    private final int epoch;
    private final ParameterSet params;
    private final ModelRoles roles;
    private final Map<String, SafeTensors.Entry> best;
    private final List<Map<String, float[]>> batches;
    int optimizerResets;
    final List<Map<String, SafeTensors.Entry>> restored = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    ScriptedRun(int epoch, ParameterSet params, ModelRoles roles, Map<String, SafeTensors.Entry> best,
                List<Map<String, float[]>> batches) {
        this.epoch = epoch;
        this.params = params;
        this.roles = roles;
        this.best = best;
        this.batches = batches;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int epochs() {
        return 100;
    }

    @Override
    public long seed() {
        return 7;
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
    public FeatureSplit train() {
        return null; // forEachBatch ignores the split
    }

    @Override
    public FeatureSplit validation() {
        return null;
    }

    @Override
    public void forEachBatch(FeatureSplit split, BatchConsumer consumer) {
        for (Map<String, float[]> outputs : batches) {
            consumer.accept(new int[] {0}, Targets.classes(new long[] {0}), new StepOutputs(outputs, Map.of(), Map.of()));
        }
    }

    @Override
    public Evaluation evaluate(FeatureSplit split) {
        throw new UnsupportedOperationException("not scripted");
    }

    @Override
    public void resetOptimizers() {
        optimizerResets++;
    }

    @Override
    public void resetBestModel() {
        throw new UnsupportedOperationException("IGM keeps the best model across stages");
    }

    @Override
    public void restoreParameters(Map<String, SafeTensors.Entry> values) {
        restored.add(values);
        params.restore(values);
    }

    @Override
    public Map<String, SafeTensors.Entry> initialParameters() {
        throw new UnsupportedOperationException("not scripted");
    }

    @Override
    public Optional<Map<String, SafeTensors.Entry>> bestParameters() {
        return Optional.ofNullable(best);
    }

    @Override
    public void log(String message) {
        log.add(message);
    }
}
