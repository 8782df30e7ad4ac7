package dev.cggm.train.method;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What a method sees of, and may do in, one training step: the batch (its rows, targets and
 * features), the outputs of the current pass's run, every parameter with its gradient (which it
 * may change in place), the model's roles, a deterministic random source, and extra runs of the
 * model on the same batch.
 */
public interface StepContext {
    /** The global step, 0-based. */
    long step();

    /** The epoch, 0-based. */
    int epoch();

    /** The step's index within its epoch, 0-based. */
    int stepInEpoch();

    /** How many steps an epoch has. */
    int stepsPerEpoch();

    /** The index of the current pass within the step (0 for one-pass methods). */
    int pass();

    int batchSize();

    /** The batch's rows of the training split. */
    int[] rows();

    List<String> modalities();

    Task task();

    int outputDim();

    Targets targets();

    ParameterSet params();

    ModelRoles roles();

    /** The outputs of the current pass's training run (not available while planning). */
    StepOutputs outputs();

    /** The task's agreement of a modality's own output with the targets (its batch accuracy) in this pass. */
    double modalityAgreement(String modality);

    /**
     * A random source that depends only on the seed, the step, the pass and {@code site}, so a
     * resumed run draws the same numbers as an uninterrupted one.
     */
    SplittableRandom random(int site);

    /**
     * The random source {@link #random} returns in a run of this seed at this step and pass: what
     * a test or reference implementation uses to draw the same numbers as a method did.
     */
    static SplittableRandom randomOf(long seed, long step, int pass, int site) {
        long s = seed;
        s = s * 0x9E3779B97F4A7C15L + step;
        s = s * 0x9E3779B97F4A7C15L + pass;
        s = s * 0x9E3779B97F4A7C15L + site;
        return new SplittableRandom(s);
    }

    /**
     * The batch's features of a modality, [batch, L, D] row-major. Writable while planning (e.g.
     * mixup), read-only afterwards.
     */
    FloatBuffer features(String modality);

    /**
     * Runs forward + backward of the training model again on this batch (same features and
     * dropout masks, the parameters' current values) with other loss weights; gradients land in
     * {@code into}, the step's own gradients stay.
     */
    StepOutputs rerun(Map<String, Double> lossWeights, GradientBuffers into);

    /** A fresh set of gradient buffers (one per parameter), for {@link #rerun}; allocate once and keep. */
    GradientBuffers newGradientBuffers();

    /** The eval model's outputs on this batch with the features of some modalities set to zero. */
    StepOutputs evaluateWithout(Set<String> zeroedModalities);
}
