package dev.cggm.train.method;

import dev.cggm.onnx.models.ModelIO;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MMPareto's combination rule on hand-computed vectors (weights, min-norm solution, per-tensor
 * rescaling), and one step on the tiny late-fusion model's real parameters: which gradients are
 * integrated, with which weights, and what the head gets.
 */
class MMParetoTest {
    @Test
    void agreeingGradientsGetEqualWeights() {
        // g_mm = (1, 2), g_u = (3, 1): dot 5 > 0
        assertArrayEquals(new double[] {0.5, 0.5}, MMPareto.weights(5, 5, 10), 0);
    }

    @Test
    void conflictingGradientsGetTheMinNormWeights() {
        // g_mm = (1, 0), g_u = (-1, 1): mm 1, mu -1, uu 2 -> c = (2 + 1) / (1 + 2 + 2) = 0.6
        double[] w = MMPareto.weights(1, -1, 2);
        assertArrayEquals(new double[] {0.6, 0.4}, w, 1e-12);
        // the combination 0.6·(1,0) + 0.4·(-1,1) = (0.2, 0.4) is the shortest on the segment
        double best = norm2(0.6, 0.4);
        for (double c = 0; c <= 1.0001; c += 0.05) {
            assertTrue(norm2(c, 1 - c) >= best - 1e-12, "c = " + c);
        }
        // orthogonal gradients (cos = 0 is not > 0): weights inversely proportional to the squared norms
        assertArrayEquals(new double[] {0.8, 0.2}, MMPareto.weights(1, 0, 4), 1e-12);
    }

    private static double norm2(double c, double d) {
        double x = c * 1 + d * -1;
        double y = d;
        return x * x + y * y;
    }

    @Test
    void aZeroGradientSaturatesTheWeightsAsTheOfficialSolver() {
        assertArrayEquals(new double[] {0.999, 0.001}, MMPareto.weights(0, 0, 4), 1e-12);
        assertArrayEquals(new double[] {0.001, 0.999}, MMPareto.weights(4, 0, 0), 1e-12);
    }

    @Test
    void theIntegrationIsRescaledUpToTheSumsNormTimesAlpha() {
        // w (0.6, 0.4): 2·(0.6·(1,0) + 0.4·(-1,1)) = (0.4, 0.8), norm √0.8 < ‖(0,1)‖ = 1 -> × 1/√0.8, then × 1.5
        FloatBuffer mm = FloatBuffer.wrap(new float[] {1, 0});
        MMPareto.integrate(mm, FloatBuffer.wrap(new float[] {-1, 1}), 2, new double[] {0.6, 0.4}, 1.5);
        double f = 1.5 / Math.sqrt(0.8);
        assertArrayEquals(new float[] {(float) (0.4 * f), (float) (0.8 * f)}, mm.array(), 1e-6f);
        // equal gradients: 2·(½g + ½g) = 2g, as long as their sum: no rescaling, × α only
        FloatBuffer same = FloatBuffer.wrap(new float[] {1, -2});
        MMPareto.integrate(same, FloatBuffer.wrap(new float[] {1, -2}), 2, new double[] {0.5, 0.5}, 1.5);
        assertArrayEquals(new float[] {3, -6}, same.array(), 1e-6f);
        // a zero combination stays zero (the official code would divide by zero)
        FloatBuffer zero = FloatBuffer.wrap(new float[] {0, 0});
        MMPareto.integrate(zero, FloatBuffer.wrap(new float[] {0, 0}), 2, new double[] {0.5, 0.5}, 1.5);
        assertArrayEquals(new float[] {0, 0}, zero.array());
    }

    @Test
    void aStepIntegratesEachEncoderAndGivesTheHeadEveryLoss(@TempDir Path tmp) throws Exception {
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("a"), TinyLateFusion.THREE,
                dev.cggm.onnx.models.GraphExtension.NONE, 1);
        MMPareto method = new MMPareto(MMPareto.Options.defaults("tiny"), model.setup);
        Map<String, float[]> gmm = model.randomGradients(5);
        // unimodal gradients: text's opposes its fused gradient (min-norm), audio's and vision's agree
        Map<String, float[]> gu = new LinkedHashMap<>();
        java.util.Random rng = new java.util.Random(6);
        for (ParameterSet.Param p : model.params.all()) {
            float[] g = gmm.get(p.name());
            float[] u = new float[g.length];
            float sign = p.group().equals("encoder/text") ? -2f : 0.5f;
            for (int i = 0; i < u.length; i++) {
                u[i] = sign * g[i] + (float) (0.3 * rng.nextGaussian());
            }
            gu.put(p.name(), u);
        }
        Map<String, Double>[] asked = new Map[1];
        StepOutputs uniOut = new StepOutputs(Map.of("ul/text", new float[] {0.5f}, "ul/audio", new float[] {0.25f},
                "ul/vision", new float[] {1f}), Map.of(), Map.of("text", "ul/text", "audio", "ul/audio", "vision", "ul/vision"));
        FixedStep step = model.step(0, 4, Map.of()).withRerun((weights, into) -> {
            asked[0] = weights;
            for (ParameterSet.Param p : model.params.all()) {
                into.of(p).put(0, gu.get(p.name()));
            }
            return uniOut;
        });
        assertEquals(Map.of(ModelIO.LOSS, 1.0), method.plan(step).passes().get(0).lossWeights());
        StepReport r = method.apply(step);

        // the re-run differentiated the unimodal losses only
        Map<String, Double> expectedWeights = new LinkedHashMap<>();
        expectedWeights.put(ModelIO.LOSS, 0.0);
        for (String m : model.modalities()) {
            expectedWeights.put(ModelIO.unimodalLoss(m), 1.0);
        }
        assertEquals(expectedWeights, asked[0]);
        assertEquals(1.75, r.addedLoss(), 1e-7);
        for (String m : model.modalities()) {
            List<ParameterSet.Param> enc = model.roles.modality(m);
            double mm = 0;
            double mu = 0;
            double uu = 0;
            for (ParameterSet.Param p : enc) {
                float[] a = gmm.get(p.name());
                float[] b = gu.get(p.name());
                for (int i = 0; i < a.length; i++) {
                    mm += (double) a[i] * a[i];
                    mu += (double) a[i] * b[i];
                    uu += (double) b[i] * b[i];
                }
            }
            double cos = mu / Math.sqrt(mm * uu);
            assertEquals(cos, r.metrics().get("cos/" + m), 1e-9);
            assertEquals(m.equals("text"), cos < 0, m + ": cos " + cos);
            double w = cos > 0 ? 0.5 : (uu - mu) / (mm + uu - 2 * mu);
            assertEquals(w, r.metrics().get("weight_mm/" + m), 1e-9);
            for (ParameterSet.Param p : enc) {
                float[] a = gmm.get(p.name());
                float[] b = gu.get(p.name());
                double totalSq = 0;
                double combSq = 0;
                double[] comb = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    comb[i] = 2 * w * a[i] + 2 * (1 - w) * b[i];
                    totalSq += Math.pow(a[i] + b[i], 2);
                    combSq += comb[i] * comb[i];
                }
                double scale = Math.max(1, Math.sqrt(totalSq / combSq)) * 1.5;
                float[] got = model.grad(p.name());
                for (int i = 0; i < a.length; i++) {
                    assertEquals(comb[i] * scale, got[i], 1e-5 * Math.max(1, Math.abs(comb[i] * scale)), p.name());
                }
            }
        }
        // the head: g_mm + g_u
        for (ParameterSet.Param p : List.of(model.roles.headOut().weight(), model.roles.headOut().bias())) {
            float[] got = model.grad(p.name());
            for (int i = 0; i < got.length; i++) {
                assertEquals(gmm.get(p.name())[i] + gu.get(p.name())[i], got[i], 1e-6);
            }
        }
    }

    @Test
    void outsideTheModulationEpochsItIsPlainMultitaskTraining(@TempDir Path tmp) throws Exception {
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("a"), TinyLateFusion.TWO,
                dev.cggm.onnx.models.GraphExtension.NONE, 1);
        MMPareto method = new MMPareto(new MMPareto.Options(1.5, 1, 3), model.setup);
        Map<String, float[]> before = model.randomGradients(2);
        FixedStep step = model.step(0, 4, Map.of());   // epoch 0, before the window
        StepPlan plan = method.plan(step);
        assertEquals(Map.of(ModelIO.LOSS, 1.0, "unimodal_loss/image", 1.0, "unimodal_loss/text", 1.0),
                plan.passes().get(0).lossWeights());
        assertSame(StepReport.NONE, method.apply(step));
        for (ParameterSet.Param p : model.params.all()) {
            assertArrayEquals(before.get(p.name()), model.grad(p.name()), p.name());
        }
    }

    @Test
    void optionsAreValidated() {
        assertThrows(InvalidOption.class, () -> new MMPareto.Options(0, 0, 80));
        InvalidOption e = assertThrows(InvalidOption.class, () -> new MMPareto.Options(1.5, 5, 4));
        assertEquals("end_epoch", e.field());
    }
}
