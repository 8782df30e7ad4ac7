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
 * Extra runs of the model answer with what the test gives ({@link #withRerun},
 * {@link #withEvaluations}); otherwise they are not available here (tests of real re-runs use the
 * trainer).
 */
final class FixedStep implements StepContext {
    /** What a re-run of the model gives in a test: fills {@code into} and returns its outputs. */
    @FunctionalInterface
    interface Rerun {
        StepOutputs run(Map<String, Double> lossWeights, GradientBuffers into);
    }

    private final long step;
    private final Task task;
    private final int outputDim;
    private final List<String> modalities;
    private final Targets targets;
    private final ParameterSet params;
    private final ModelRoles roles;
    private StepOutputs outputs;
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, String> names = new LinkedHashMap<>();
    private final Map<String, String> lossNames = new LinkedHashMap<>();
    private int epoch;
    private int[] rows;
    private int pass;
    private int stepInEpoch;
    private int stepsPerEpoch = Integer.MAX_VALUE;
    private Rerun rerun;
    private Map<Set<String>, float[]> evaluations = Map.of();

    FixedStep(long step, Task task, int outputDim, Map<String, float[]> modalityOutputs, Targets targets,
              ParameterSet params, ModelRoles roles) {
        this.step = step;
        this.task = task;
        this.outputDim = outputDim;
        this.modalities = List.copyOf(modalityOutputs.keySet());
        this.targets = targets;
        this.params = params;
        this.roles = roles;
        this.stepInEpoch = (int) step;
        modalityOutputs.forEach((m, o) -> {
            values.put("out/" + m, o);
            names.put(m, "out/" + m);
            lossNames.put(m, "out_loss/" + m);
        });
        this.outputs = new StepOutputs(values, names, lossNames);
    }

    /**
     * Adds outputs of the pass's run by name (a method's own outputs, e.g. {@code embedding/<m>};
     * a modality's loss is {@code out_loss/<m>}).
     */
    FixedStep withOutputs(Map<String, float[]> extra) {
        values.putAll(extra);
        this.outputs = new StepOutputs(values, names, lossNames);
        return this;
    }

    /** Places the step: its pass, and its index within an epoch of {@code steps} steps. */
    FixedStep at(int passIndex, int indexInEpoch, int steps) {
        this.pass = passIndex;
        this.stepInEpoch = indexInEpoch;
        this.stepsPerEpoch = steps;
        return this;
    }

    /** The batch's rows of the training split (by default 0, 1, …). */
    FixedStep withRows(int... batchRows) {
        if (batchRows.length != targets.rows()) {
            throw new IllegalArgumentException("a batch of " + targets.rows() + " needs as many rows");
        }
        this.rows = batchRows.clone();
        return this;
    }

    /** Places the step in epoch {@code e} (0-based). */
    FixedStep inEpoch(int e) {
        this.epoch = e;
        return this;
    }

    /** What {@link #evaluateWithout} returns as the fused output, by the set of zeroed modalities. */
    FixedStep withEvaluations(Map<Set<String>, float[]> fusedOutputs) {
        evaluations = Map.copyOf(fusedOutputs);
        return this;
    }

    /** Answers re-runs of the model with {@code r}. */
    FixedStep withRerun(Rerun r) {
        this.rerun = r;
        return this;
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
    public int stepInEpoch() {
        return stepInEpoch;
    }

    @Override
    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    @Override
    public int pass() {
        return pass;
    }

    @Override
    public int batchSize() {
        return targets.rows();
    }

    @Override
    public int[] rows() {
        if (rows != null) {
            return rows.clone();
        }
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
        if (rerun == null) {
            throw new UnsupportedOperationException("a fixed step cannot re-run the model");
        }
        return rerun.run(lossWeights, into);
    }

    /** Heap buffers, one per parameter (what {@link #withRerun} fills). */
    @Override
    public GradientBuffers newGradientBuffers() {
        Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
        for (ParameterSet.Param p : params.all()) {
            buffers.put(p.name(), FloatBuffer.allocate(p.size()));
        }
        return p -> buffers.get(p.name());
    }

    @Override
    public StepOutputs evaluateWithout(Set<String> zeroedModalities) {
        float[] fused = evaluations.get(Set.copyOf(zeroedModalities));
        if (fused == null) {
            throw new UnsupportedOperationException("a fixed step has no evaluation without " + zeroedModalities);
        }
        return new StepOutputs(Map.of(dev.cggm.onnx.models.ModelIO.OUTPUT, fused), Map.of(), Map.of());
    }
}
