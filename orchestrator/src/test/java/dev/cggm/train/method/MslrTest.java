package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.Evaluation;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.data.FeatureSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MSLR: the ratio option's parsing and validation, the per-parameter learning-rate factors of the
 * step plan, and the dynamic strategy's adjustments from given validation accuracies.
 */
class MslrTest {
    @Test
    void ratiosAreParsedAndValidated() {
        assertEquals(Map.of("text", 0.1, "image", 2.0), Mslr.Options.parse("text=0.1, image = 2"));
        assertEquals("", new Mslr.Options(Mslr.Strategy.STATIC, null, 1).ratios());
        assertEquals("ratios: expected MODALITY=FACTOR entries separated by commas, got 'text'",
                assertThrows(InvalidOption.class, () -> new Mslr.Options(Mslr.Strategy.STATIC, "text", 1)).getMessage());
        assertEquals("ratios: the factor of 'text' is not a number: 'fast'",
                assertThrows(InvalidOption.class, () -> new Mslr.Options(Mslr.Strategy.STATIC, "text=fast", 1)).getMessage());
        assertEquals("ratios: the factor of 'text' must be a finite number > 0, got -1.0",
                assertThrows(InvalidOption.class, () -> new Mslr.Options(Mslr.Strategy.STATIC, "text=-1", 1)).getMessage());
        assertEquals("ratios: modality 'text' is given twice",
                assertThrows(InvalidOption.class, () -> new Mslr.Options(Mslr.Strategy.STATIC, "text=1,text=2", 1)).getMessage());
        assertEquals("history: must be >= 1, got 0",
                assertThrows(InvalidOption.class, () -> new Mslr.Options(Mslr.Strategy.DYNAMIC, "", 0)).getMessage());
        InvalidOption unknown = assertThrows(InvalidOption.class, () -> new Mslr(
                new Mslr.Options(Mslr.Strategy.STATIC, "audio=2", 1), LateFusionFixture.setupOf("image", "text")));
        assertEquals("method.ratios", unknown.field());
        assertEquals("names modality 'audio', which the data does not have (its modalities: image, text)", unknown.reason());
    }

    @Test
    void eachModalitysEncoderTrainsAtItsFactorAndTheHeadAtTheScheduledRate(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Mslr mslr = new Mslr(new Mslr.Options(Mslr.Strategy.STATIC, "text=0.1,image=2", 1), m.setup);
        StepPlan plan = mslr.plan(m.step(0, Map.of(), 0));
        int encoders = 0;
        for (ParameterSet.Param p : m.params.all()) {
            double want = p.group().equals("encoder/text") ? 0.1 : p.group().equals("encoder/image") ? 2.0 : 1.0;
            encoders += want != 1.0 ? 1 : 0;
            assertEquals(want, plan.passes().get(0).lrScale().applyAsDouble(p), p.name());
        }
        assertTrue(encoders > 4, "every encoder parameter, biases and norms included: " + encoders);
        assertEquals(Map.of("lr_scale/image", 2.0, "lr_scale/text", 0.1), mslr.gradients().apply(m.step(0, Map.of(), 0)).metrics());
    }

    @Test
    void theDynamicStrategyFollowsEachModalitysValidationAccuracy(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Mslr mslr = new Mslr(new Mslr.Options(Mslr.Strategy.DYNAMIC, "image=2", 2), m.setup);
        FixedRun run = new FixedRun(m.roles, m.params);
        int[][] correct = {{4, 5}, {6, 5}, {6, 8}, {3, 8}};   // out of 10: image, text per epoch
        double[][] expected = {{2, 1}, {2.4, 1}, {2.4, 1}, {1.6, 1}};
        for (int e = 0; e < correct.length; e++) {
            run.epoch = e;
            mslr.onEpochEnd(run, validation(correct[e][0], correct[e][1]));
            StepPlan plan = mslr.plan(m.step(0, Map.of(), 0));
            ParameterSet.Param image = m.roles.encoder("image").get(0);
            ParameterSet.Param text = m.roles.encoder("text").get(0);
            // after epoch 1: image 0.6 / mean(0.4, 0.6) = 1.2; after epoch 3: 0.3 / mean(0.6, 0.3) = 2/3
            assertEquals(expected[e][0], plan.passes().get(0).lrScale().applyAsDouble(image), 1e-12, "image after epoch " + e);
            assertEquals(expected[e][1], plan.passes().get(0).lrScale().applyAsDouble(text), 1e-12, "text after epoch " + e);
        }
        assertEquals(2, run.messages.size(), run.messages.toString());
        // the state carries factors and history
        Mslr restored = new Mslr(new Mslr.Options(Mslr.Strategy.DYNAMIC, "image=2", 2), m.setup);
        restored.restore(mslr.state());
        run.epoch = 5;
        mslr.onEpochEnd(run, validation(5, 4));
        restored.onEpochEnd(run, validation(5, 4));
        ParameterSet.Param image = m.roles.encoder("image").get(0);
        assertEquals(mslr.plan(m.step(0, Map.of(), 0)).passes().get(0).lrScale().applyAsDouble(image),
                restored.plan(m.step(0, Map.of(), 0)).passes().get(0).lrScale().applyAsDouble(image));
    }

    /** A validation of 10 samples (label 0) where each modality's own output is right for the given number. */
    static Evaluation validation(int image, int text) {
        Map<String, float[]> outs = new LinkedHashMap<>();
        outs.put("image", outputsWithCorrect(image));
        outs.put("text", outputsWithCorrect(text));
        return new Evaluation(Tasks.CLASSIFICATION, 1.0, outputsWithCorrect(10), LateFusionFixture.CLASSES,
                Targets.classes(new long[10]), outs);
    }

    static float[] outputsWithCorrect(int correct) {
        float[] o = new float[10 * LateFusionFixture.CLASSES];
        for (int i = 0; i < 10; i++) {
            o[i * LateFusionFixture.CLASSES + (i < correct ? 0 : 1)] = 1f;
        }
        return o;
    }

    /** The run at a chosen epoch, as MSLR's epoch hook sees it (it only reads the epoch and logs). */
    static final class FixedRun implements RunContext {
        final ModelRoles roles;
        final ParameterSet params;
        final List<String> messages = new ArrayList<>();
        int epoch;

        FixedRun(ModelRoles roles, ParameterSet params) {
            this.roles = roles;
            this.params = params;
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
            return 3;
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
            throw new UnsupportedOperationException("no data in a fixed run");
        }

        @Override
        public FeatureSplit validation() {
            throw new UnsupportedOperationException("no data in a fixed run");
        }

        @Override
        public void forEachBatch(FeatureSplit split, BatchConsumer consumer) {
            throw new UnsupportedOperationException("no model runs in a fixed run");
        }

        @Override
        public Evaluation evaluate(FeatureSplit split) {
            throw new UnsupportedOperationException("no model runs in a fixed run");
        }

        @Override
        public void resetBestModel() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void resetOptimizers() {
            throw new UnsupportedOperationException("no optimizers in a fixed run");
        }

        @Override
        public void restoreParameters(Map<String, SafeTensors.Entry> values) {
            params.restore(values);
        }

        @Override
        public Map<String, SafeTensors.Entry> initialParameters() {
            throw new UnsupportedOperationException("no run directory in a fixed run");
        }

        @Override
        public Optional<Map<String, SafeTensors.Entry>> bestParameters() {
            return Optional.empty();
        }

        @Override
        public void log(String message) {
            messages.add(message);
        }
    }
}
