package dev.cggm.train.method;

import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLA: the orthogonal-weight-modification update and projection on hand-computed matrices, the
 * alternating passes a step is planned as, the projection of the shared head's gradient in a
 * step, its checkpoint state, and the graph: gradients by finite differences and the
 * entropy-gated prediction against a computation by hand.
 */
class MLATest {
    @Test
    void theProjectionUpdateRemovesTheMeanFeaturesDirection() {
        // P = I, r = (1, 1), α = 1: k = (1, 1), r·k = 2, P' = I − kkᵀ/3 = [[2/3, −1/3], [−1/3, 2/3]], / ‖P'‖_F = √(10/9)
        double[] p = MLA.updatedProjection(MLA.identity(2), new double[] {1, 1}, 1);
        double n = Math.sqrt(10.0 / 9);
        assertArrayEquals(new double[] {2 / 3.0 / n, -1 / 3.0 / n, -1 / 3.0 / n, 2 / 3.0 / n}, p, 1e-12);
        // P = I, r = (1, 0), α = 0.1: P' = [[1 − 1/1.1, 0], [0, 1]], normalised
        double[] q = MLA.updatedProjection(MLA.identity(2), new double[] {1, 0}, 0.1);
        double a = 1 - 1 / 1.1;
        double m = Math.sqrt(a * a + 1);
        assertArrayEquals(new double[] {a / m, 0, 0, 1 / m}, q, 1e-12);
        // what P now does to r, relative to a direction orthogonal to it: α/(α + r·r) = 1/11
        assertEquals(1 / 11.0, q[0] / q[3], 1e-12);
    }

    @Test
    void theProjectionRightMultipliesTheGradientByPTransposed() {
        // g = [[1, 2], [3, 4]], P = [[1, 2], [3, 4]]: g·Pᵀ = [[5, 11], [11, 25]]
        FloatBuffer g = FloatBuffer.wrap(new float[] {1, 2, 3, 4});
        MLA.project(g, 2, new double[] {1, 2, 3, 4});
        assertArrayEquals(new float[] {5, 11, 11, 25}, g.array());
    }

    @Test
    void aStepIsOnePassPerModalityTrainingItsEncoderAndTheSharedHead(@TempDir Path tmp) throws Exception {
        MLA mla = new MLA(MLA.Options.defaults("tiny"), setupOf(TinyLateFusion.THREE));
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("b"), TinyLateFusion.THREE, mla.graph(), 1);
        StepPlan plan = mla.plan(model.step(0, 4, Map.of()));
        assertEquals(List.of("text", "audio", "vision"), plan.passes().stream().map(StepPlan.Pass::name).toList());
        StepPlan.Pass audio = plan.passes().get(1);
        assertEquals(Map.of(ModelIO.LOSS, 0.0, "unimodal_loss/text", 0.0, "unimodal_loss/audio", 1.0,
                "unimodal_loss/vision", 0.0), audio.lossWeights());
        for (ParameterSet.Param p : model.params.all()) {
            boolean expected = p.group().equals("encoder/audio") || p.name().startsWith("mla_head.");
            assertEquals(expected, audio.trains().test(p), p.name());
        }
        // outside the modulation epochs: one plain pass on the gated output's loss
        MLA late = new MLA(new MLA.Options(1, 2), model.setup);
        assertEquals(StepPlan.DEFAULT, late.plan(model.step(0, 4, Map.of())));
        // the concat head the shared head replaces is reached by no loss: never updated
        assertFalse(model.params.get("out_layer.weight").reached());
        assertTrue(model.params.get(MLA.HEAD_WEIGHT).reached());
    }

    @Test
    void theSharedHeadsGradientIsProjectedFromTheSecondPassOn(@TempDir Path tmp) throws Exception {
        MLA mla = new MLA(MLA.Options.defaults("tiny"), setupOf(TinyLateFusion.TWO));
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("b"), TinyLateFusion.TWO, mla.graph(), 1);
        int batch = 4;
        float[] image = features(batch, 1);
        float[] text = features(batch, 2);
        Map<String, float[]> outs = Map.of(TinyLateFusion.embedding("image"), image, TinyLateFusion.embedding("text"), text,
                "out_loss/image", new float[] {0.7f}, "out_loss/text", new float[] {0.4f});

        // the run's very first pass: not projected (as the reference), P stays I
        Map<String, float[]> g0 = model.randomGradients(3);
        StepReport r0 = mla.apply(model.step(0, batch, outs).at(0, 2, 4));
        assertEquals(0.7, r0.metrics().get("loss/image"), 1e-6);
        assertArrayEquals(g0.get(MLA.HEAD_WEIGHT), model.grad(MLA.HEAD_WEIGHT));

        // the text pass: P from I and text's mean feature, α = 0.1^(1 + 2/4); g ← g·Pᵀ on the head weight only
        Map<String, float[]> g1 = model.randomGradients(4);
        mla.apply(model.step(0, batch, outs).at(1, 2, 4));
        double[] p = MLA.updatedProjection(MLA.identity(TinyLateFusion.WIDTH), mean(text, batch), Math.pow(0.1, 1.5));
        FloatBuffer expected = FloatBuffer.wrap(g1.get(MLA.HEAD_WEIGHT).clone());
        MLA.project(expected, TinyLateFusion.CLASSES, p);
        assertArrayEquals(expected.array(), model.grad(MLA.HEAD_WEIGHT), 1e-6f);
        for (ParameterSet.Param q : model.params.all()) {
            if (!q.name().equals(MLA.HEAD_WEIGHT)) {
                assertArrayEquals(g1.get(q.name()), model.grad(q.name()), q.name());
            }
        }

        // the checkpoint state carries P and the pass count: a restored copy projects identically
        MLA copy = new MLA(MLA.Options.defaults("tiny"), model.setup);
        copy.restore(mla.state());
        Map<String, float[]> g2 = model.randomGradients(5);
        mla.apply(model.step(1, batch, outs).at(0, 3, 4));
        float[] original = model.grad(MLA.HEAD_WEIGHT);
        model.params.get(MLA.HEAD_WEIGHT).grad().put(0, g2.get(MLA.HEAD_WEIGHT));
        copy.apply(model.step(1, batch, outs).at(0, 3, 4));
        assertArrayEquals(original, model.grad(MLA.HEAD_WEIGHT));
        assertEquals(mla.state().get("projection").toDoubles().length, TinyLateFusion.WIDTH * TinyLateFusion.WIDTH);
    }

    @ParameterizedTest(name = "{0} modalities")
    @ValueSource(ints = {2, 3})
    void theSharedHeadsGraphDifferentiatesCorrectly(int modalities, @TempDir Path tmp) throws Exception {
        List<Modality> ms = modalities == 2 ? TinyLateFusion.TWO : TinyLateFusion.THREE;
        MLA mla = new MLA(MLA.Options.defaults("tiny"), setupOf(ms));
        ArchitectureGradients.check(TinyLateFusion.config(ms), mla.graph(), 3, 4, 1e-5);
    }

    @Test
    void thePredictionIsTheEntropyGatedSumOfTheSharedHeadsLogits(@TempDir Path tmp) throws Exception {
        MLA mla = new MLA(MLA.Options.defaults("tiny"), setupOf(TinyLateFusion.THREE));
        GraphExtension withFeatures = g -> {
            mla.graph().extend(g);
            if (g.variant() == ModelGraph.Variant.EVAL) {
                g.modalities().forEach(m -> g.addOutput(g.embedding(m), TinyLateFusion.embedding(m)));
            }
        };
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("b"), TinyLateFusion.THREE, withFeatures, 1);
        int batch = 5;
        Map<String, HostTensor> out = model.evaluate(model.inputs(batch, 7));
        float[] w = model.value(MLA.HEAD_WEIGHT);
        float[] b = model.value(MLA.HEAD_BIAS);
        int c = TinyLateFusion.CLASSES;
        int d = TinyLateFusion.WIDTH;
        double[] fused = new double[batch * c];
        double[][] z = new double[3][batch * c];
        double[][] negEntropy = new double[3][batch];
        for (int k = 0; k < 3; k++) {
            String m = model.modalities().get(k);
            float[] h = out.get(TinyLateFusion.embedding(m)).floats();
            for (int i = 0; i < batch; i++) {
                for (int j = 0; j < c; j++) {
                    double v = b[j];
                    for (int e = 0; e < d; e++) {
                        v += h[i * d + e] * w[j * d + e];
                    }
                    z[k][i * c + j] = v;
                }
                double[] prob = softmax(z[k], i * c, c);
                for (double pr : prob) {
                    negEntropy[k][i] += pr * Math.log(pr);
                }
            }
            assertArrayEquals(z[k], out.get(ModelIO.unimodalOutput(m)).toDoubles(), 1e-5, m + "'s logits");
        }
        for (int i = 0; i < batch; i++) {
            double max = Math.max(negEntropy[0][i], Math.max(negEntropy[1][i], negEntropy[2][i]));
            double sum = 0;
            double[] gate = new double[3];
            for (int k = 0; k < 3; k++) {
                gate[k] = Math.exp(negEntropy[k][i] - max);
                sum += gate[k];
            }
            for (int j = 0; j < c; j++) {
                for (int k = 0; k < 3; k++) {
                    fused[i * c + j] += gate[k] / sum * z[k][i * c + j];
                }
            }
        }
        assertArrayEquals(fused, out.get(ModelIO.OUTPUT).toDoubles(), 1e-5);
    }

    @Test
    void itNeedsAClassificationTaskAndValidOptions(@TempDir Path tmp) throws Exception {
        var regression = new dev.cggm.onnx.models.LateFusionConfig(TinyLateFusion.TWO, Tasks.REGRESSION, 1, 8, 2, 1, 0.1);
        InvalidOption e = assertThrows(InvalidOption.class,
                () -> new MLA(MLA.Options.defaults("tiny"), new MethodSetup(regression, 1, 2)));
        assertTrue(e.getMessage().contains("classification"), e.getMessage());
        assertThrows(InvalidOption.class, () -> new MLA.Options(3, 2));
        assertThrows(InvalidOption.class, () -> new MLA.Options(-1, 2));
    }

    private static MethodSetup setupOf(List<Modality> ms) {
        return new MethodSetup(TinyLateFusion.config(ms), 3, 1);
    }

    private static float[] features(int batch, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        float[] f = new float[batch * TinyLateFusion.WIDTH];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rng.nextGaussian();
        }
        return f;
    }

    private static double[] mean(float[] f, int batch) {
        int d = f.length / batch;
        double[] r = new double[d];
        for (int i = 0; i < f.length; i++) {
            r[i % d] += f[i] / (double) batch;
        }
        return r;
    }

    private static double[] softmax(double[] z, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, z[from + j]);
        }
        double s = 0;
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
            p[j] = Math.exp(z[from + j] - max);
            s += p[j];
        }
        for (int j = 0; j < n; j++) {
            p[j] /= s;
        }
        return p;
    }
}
