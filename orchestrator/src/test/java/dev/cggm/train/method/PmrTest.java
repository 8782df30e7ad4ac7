package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PMR: the prototypes' class means and momentum, the prototype similarities, scores and losses
 * the training graph computes (against the formulas on the eval model's embeddings), the weaker
 * modality's loss term and its gradient (finite differences), the plan's weights and inputs, and
 * the three-modality gradient coefficients.
 */
class PmrTest {
    static final Pmr.Options OPTIONS = new Pmr.Options(0.6, 0, 80, 0.5, 0.01);

    @Test
    void prototypesAreClassMeansBlendedWithThePreviousOnes() {
        // one modality, d = 2, 3 classes: class 0 saw 2 samples summing to (2, 4), class 1 one (1, -1), class 2 none
        double[][] sums = {{2, 4, 1, -1, 0, 0}};
        long[] counts = {2, 1, 0};
        float[][] first = Pmr.blend(sums, counts, null, 0.5);
        assertArrayEquals(new float[] {1, 2, 1, -1, 0, 0}, first[0]);
        float[][] previous = {{3, 0, 1, 1, 7, 8}};
        float[][] next = Pmr.blend(sums, counts, previous, 0.25);
        // 0.75·mean + 0.25·previous; an unseen class keeps its previous prototype
        assertArrayEquals(new float[] {1.5f, 1.5f, 1, -0.5f, 7, 8}, next[0]);
    }

    @Test
    void theTrainingGraphScoresEachModalityAgainstItsPrototypes(@TempDir Path tmp) throws Exception {
        Pmr pmr = new Pmr(OPTIONS, LateFusionFixture.setupOf("image", "text"));
        LateFusionFixture m = new LateFusionFixture(tmp.resolve("a"), pmr.graph(), "image", "text");
        assertTrue(m.manifest.lossTerms().contains(new LossTerm(Pmr.TERM, 0.0)), m.manifest.lossTerms().toString());
        int batch = 5;
        long[] labels = {0, 1, 2, 1, 0};
        Random rng = new Random(8);
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (var mod : m.config.modalities()) {
            in.put(mod.name(), HostTensor.of(floats(rng, batch * mod.seqLen() * mod.inputDim(), 1), batch, mod.seqLen(),
                    mod.inputDim()));
        }
        in.put(ModelIO.LABEL, HostTensor.of(labels, batch));
        for (ParameterSet.Param p : m.params.all()) {
            float[] v = new float[p.size()];
            p.value().get(0, v);
            in.put(p.name(), HostTensor.of(v, p.shape()));
        }
        Map<String, float[]> embeddings = new LinkedHashMap<>();
        try (OrtModel eval = OrtModel.load(Files.readAllBytes(tmp.resolve("a").resolve(TrainingArtifacts.EVAL_MODEL)))) {
            for (String mod : List.of("image", "text")) {
                embeddings.put(mod, eval.run(in, ModelIO.embedding(mod)).get(ModelIO.embedding(mod)).floats());
            }
        }
        int d = embeddings.get("image").length / batch;
        Map<String, float[]> protos = new LinkedHashMap<>();
        for (String mod : List.of("image", "text")) {
            protos.put(mod, floats(rng, LateFusionFixture.CLASSES * d, 0.5));
            in.put(Pmr.prototypeInput(mod), HostTensor.of(protos.get(mod), LateFusionFixture.CLASSES, d));
        }
        for (LossTerm t : m.manifest.lossTerms()) {
            in.put(ModelIO.lossWeight(t.name()), HostTensor.scalar(1f));
        }
        Map<String, HostTensor> out;
        try (OrtModel training = OrtModel.load(Files.readAllBytes(tmp.resolve("a").resolve(TrainingArtifacts.TRAINING_MODEL)))) {
            out = training.run(in, Pmr.scoreOutput("image"), Pmr.scoreOutput("text"), Pmr.prototypeLossOutput("image"),
                    Pmr.prototypeLossOutput("text"), Pmr.TERM);
        }
        double[] score = new double[2];
        double[] ce = new double[2];
        for (int k = 0; k < 2; k++) {
            String mod = k == 0 ? "image" : "text";
            float[] h = embeddings.get(mod);
            float[] p = protos.get(mod);
            for (int i = 0; i < batch; i++) {
                float[] sim = new float[LateFusionFixture.CLASSES];
                for (int c = 0; c < sim.length; c++) {
                    double sq = 0;
                    for (int j = 0; j < d; j++) {
                        double diff = h[i * d + j] - p[c * d + j];
                        sq += diff * diff;
                    }
                    sim[c] = (float) -Math.sqrt(sq);
                }
                double[] prob = EncoderModulation.softmax(sim, 0, sim.length);
                score[k] += prob[(int) labels[i]];
                ce[k] += -Math.log(prob[(int) labels[i]]) / batch;
            }
            assertEquals(score[k], out.get(Pmr.scoreOutput(mod)).item(), 1e-5, "score of " + mod);
            assertEquals(ce[k], out.get(Pmr.prototypeLossOutput(mod)).item(), 1e-5, "prototype CE of " + mod);
        }
        assertTrue(score[0] != score[1]);
        double weaker = score[0] < score[1] ? ce[0] : ce[1];
        assertEquals(weaker, out.get(Pmr.TERM).item(), 1e-5, "the term is the weaker modality's prototype loss");
    }

    @Test
    void thePrototypeTermsGradientMatchesFiniteDifferences() throws Exception {
        ArchitectureGradients.check(LateFusionFixture.config("image", "text"),
                new Pmr(OPTIONS, LateFusionFixture.setupOf("image", "text")).graph(), 3, 4, 1e-5);
    }

    @Test
    void thePlanWeighsTheTermByAlphaInTheModulationEpochsAndFeedsThePrototypes(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Pmr pmr = new Pmr(new Pmr.Options(0.6, 1, 3, 0.5, 0.01), m.setup);
        assertThrows(IllegalStateException.class, () -> pmr.plan(m.step(0, Map.of(), 0)), "no prototypes before the first epoch");
        int d = 8;
        float[] pImage = new float[LateFusionFixture.CLASSES * d];
        pImage[1] = 2;
        Map<String, HostTensor> state = new LinkedHashMap<>();
        state.put("prototypes/image", HostTensor.of(pImage, pImage.length));
        state.put("prototypes/text", HostTensor.of(new float[pImage.length], pImage.length));
        pmr.restore(state);
        StepPlan atEpoch0 = pmr.plan(m.step(0, Map.of(), 0));   // FixedStep is at epoch 0: before start_epoch 1
        assertEquals(0.0, atEpoch0.passes().get(0).lossWeights().get(Pmr.TERM));
        assertArrayEquals(new long[] {LateFusionFixture.CLASSES, d}, atEpoch0.inputs().get(Pmr.prototypeInput("image")).shape());
        assertArrayEquals(pImage, atEpoch0.inputs().get(Pmr.prototypeInput("image")).floats());
        Pmr fromZero = new Pmr(OPTIONS, m.setup);
        fromZero.restore(state);
        assertEquals(0.6, fromZero.plan(m.step(0, Map.of(), 0)).passes().get(0).lossWeights().get(Pmr.TERM));
    }

    @Test
    void twoModalitiesReportTheWeakerOneAndCountItsWeightedTermInTheLoss(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Map<String, float[]> outs = new LinkedHashMap<>();
        outs.put(Pmr.scoreOutput("image"), new float[] {3});
        outs.put(Pmr.scoreOutput("text"), new float[] {1.5f});
        outs.put(Pmr.prototypeLossOutput("image"), new float[] {0.4f});
        outs.put(Pmr.prototypeLossOutput("text"), new float[] {0.9f});
        outs.put(Pmr.TERM, new float[] {0.9f});
        StepReport r = new Pmr(OPTIONS, m.setup).apply(m.step(0, Map.of("image", new float[3], "text", new float[3]), 0)
                .withOutputs(outs));
        assertEquals(0.6, r.metrics().get("proto_weight/text"));
        assertEquals(0.0, r.metrics().get("proto_weight/image"));
        assertEquals(0.6 * 0.9f, r.addedLoss(), 1e-7);
        for (ParameterSet.Param p : m.params.all()) {
            assertArrayEquals(m.gradBefore(p.name()), m.grad(p.name()), "two modalities act through the loss term only");
        }
    }

    @Test
    void threeModalitiesScaleAndPerturbTheLeadingEncodersGradients(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "a", "v", "t");
        // scores 2, 1, 4: ratios over the minimum 2, 1, 4 -> k = 1 - tanh(0.01 r) where r > 1
        Map<String, float[]> scores = Map.of(Pmr.scoreOutput("a"), new float[] {2}, Pmr.scoreOutput("v"), new float[] {1},
                Pmr.scoreOutput("t"), new float[] {4});
        FixedStep step = m.step(3, Map.of("a", new float[3], "v", new float[3], "t", new float[3]), 0).withOutputs(scores);
        StepReport r = new Pmr(OPTIONS, m.setup).apply(step);
        assertEquals(1 - Math.tanh(0.02), r.metrics().get("coeff/a"), 1e-12);
        assertEquals(1.0, r.metrics().get("coeff/v"));
        assertEquals(1 - Math.tanh(0.04), r.metrics().get("coeff/t"), 1e-12);
        Map<String, float[]> eps = EncoderModulation.draws(step.random(Pmr.NOISE_SITE), m.roles, List.of("a", "v", "t"));
        for (ParameterSet.Param p : m.params.all()) {
            float[] before = m.gradBefore(p.name());
            float[] after = m.grad(p.name());
            if (!eps.containsKey(p.name())) {
                assertArrayEquals(before, after, p.name());
                continue;
            }
            double k = r.metrics().get("coeff/" + p.group().substring("encoder/".length()));
            double sd = OgmTest.std(before) + 1e-8;
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] * k - sd * eps.get(p.name())[i], after[i], 1e-5 * Math.max(1, Math.abs(after[i])));
            }
        }
    }

    @Test
    void optionsAreValidated() {
        assertEquals("prototype_momentum: must be in [0.0, 1.0), got 1.0",
                assertThrows(InvalidOption.class, () -> new Pmr.Options(0.6, 0, 80, 1.0, 0.01)).getMessage());
        assertThrows(InvalidOption.class, () -> new Pmr.Options(-1, 0, 80, 0.5, 0.01));
        assertEquals(new Pmr.Options(0.6, 0, 80, 0.5, 0.01), Pmr.Options.defaults("food101"));
    }

    private static float[] floats(Random rng, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rng.nextGaussian() * scale);
        }
        return f;
    }
}
