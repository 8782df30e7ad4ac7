package dev.cggm.train.method;

import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModelRequest;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OGM / OGM-GE on the tiny late-fusion model's real parameters with chosen unimodal logits: the
 * toolkit's scores, ratios and coefficients (expected values worked out by hand from the
 * probabilities below), which gradients are scaled, the noise, the modulation window.
 */
class OgmTest {
    static final long[] LABELS = {0, 1, 2, 0};
    // label probabilities: text 0.7, 0.6, 0.8, 0.5 (s = 2.6); image 0.2, 0.3, 0.4, 0.5 (s = 1.4)
    static final double[][] TEXT = {{0.7, 0.2, 0.1}, {0.3, 0.6, 0.1}, {0.1, 0.1, 0.8}, {0.5, 0.25, 0.25}};
    static final double[][] IMAGE = {{0.2, 0.4, 0.4}, {0.36, 0.3, 0.34}, {0.3, 0.3, 0.4}, {0.5, 0.3, 0.2}};
    static final double[][] AUDIO = {{0.4, 0.3, 0.3}, {0.2, 0.6, 0.2}, {0.46, 0.1, 0.44}, {0.1, 0.8, 0.1}};

    static Ogm.Options options(boolean noise, int start) {
        return new Ogm.Options(0.3, start, 80, noise, Ogm.Score.FAITHFUL);
    }

    static Map<String, float[]> outputs(String... modalities) {
        Map<String, float[]> o = new LinkedHashMap<>();
        for (String m : modalities) {
            o.put(m, LateFusionFixture.logitsOf(switch (m) {
                case "text" -> TEXT;
                case "image" -> IMAGE;
                default -> AUDIO;
            }));
        }
        return o;
    }

    @Test
    void twoModalitiesScaleTheLeadingEncoderByTheToolkitsCoefficient(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        StepReport r = new Ogm(options(false, 0), m.setup).apply(m.step(0, outputs("image", "text"), LABELS));
        assertEquals(2.6, r.metrics().get("score/text"), 1e-6);
        assertEquals(1.4, r.metrics().get("score/image"), 1e-6);
        // r_text = 2.6 / (1.4 + 1e-5) = 1.8571296; k = 1 - tanh(0.3 * 1.8571296); image is behind: 1
        double kText = 0.49414848640479236;
        assertEquals(kText, r.metrics().get("coeff/text"), 1e-6);
        assertEquals(1.0, r.metrics().get("coeff/image"));
        int scaled = 0;
        for (ParameterSet.Param p : m.params.all()) {
            boolean textWeight = p.group().equals("encoder/text") && p.shape().length != 1;
            double factor = textWeight ? kText : 1.0;
            scaled += textWeight ? 1 : 0;
            float[] before = m.gradBefore(p.name());
            float[] after = m.grad(p.name());
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] * factor, after[i], 1e-5 * Math.max(1, Math.abs(before[i])), p.name() + "[" + i + "]");
            }
        }
        assertTrue(scaled >= 2, "the text encoder's weight matrices are scaled");
    }

    @Test
    void threeModalitiesScoreCorrectSamplesAndCompareWithTheWeakest(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text", "audio");
        StepReport r = new Ogm(options(false, 0), m.setup).apply(m.step(0, outputs("image", "text", "audio"), LABELS));
        // Σ over samples whose argmax is the label of softmax(cos z)[y], z = ln p
        assertEquals(0.8651619643963201, r.metrics().get("score/image"), 1e-6);
        assertEquals(2.37986850820098, r.metrics().get("score/text"), 1e-6);
        assertEquals(0.9452608780872065, r.metrics().get("score/audio"), 1e-6);
        // ratios over (min + 1e-5): image 0.99999 (k 1), text 2.7507 (k 0.32210), audio 1.0926 (k 0.68348)
        assertEquals(1.0, r.metrics().get("coeff/image"));
        assertEquals(0.3220968934695321, r.metrics().get("coeff/text"), 1e-6);
        assertEquals(0.6834835156795254, r.metrics().get("coeff/audio"), 1e-6);

        m.resetGrads();
        StepReport plain = new Ogm(new Ogm.Options(0.3, 0, 80, false, Ogm.Score.SOFTMAX), m.setup)
                .apply(m.step(0, outputs("image", "text", "audio"), LABELS));
        assertEquals(1.4, plain.metrics().get("score/image"), 1e-6);
        assertEquals(2.6, plain.metrics().get("score/text"), 1e-6);
    }

    @Test
    void gradientEnhancementAddsNoiseOfEachGradientsSpreadFromTheStepsRandomSource(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        FixedStep step = m.step(5, outputs("image", "text"), LABELS);
        StepReport r = new Ogm(options(true, 0), m.setup).apply(step);
        Map<String, float[]> eps = Ogm.noiseDraws(step.random(Ogm.NOISE_SITE), m.roles);
        double kText = r.metrics().get("coeff/text");
        List<ParameterSet.Param> noisy = m.params.all().stream()
                .filter(p -> p.group().startsWith("encoder/") && p.shape().length != 1).toList();
        assertEquals(noisy.stream().map(ParameterSet.Param::name).toList(), List.copyOf(eps.keySet()));
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (ParameterSet.Param p : m.params.all()) {
            float[] before = m.gradBefore(p.name());
            float[] after = m.grad(p.name());
            if (!eps.containsKey(p.name())) {
                assertArrayEquals(before, after, p.name() + " is not an encoder weight: untouched");
                continue;
            }
            double k = p.group().equals("encoder/text") ? kText : 1.0;
            double sd = std(before) + 1e-8;
            float[] e = eps.get(p.name());
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] * k + sd * e[i], after[i], 1e-5 * Math.max(1, Math.abs(after[i])), p.name());
                double z = (after[i] - before[i] * k) / sd;
                sum += z;
                sumSq += z * z;
                n++;
            }
        }
        // the draws are standard normal: mean ~ 0 and variance ~ 1 within 5 standard errors
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        assertTrue(n > 200, "enough draws: " + n);
        assertTrue(Math.abs(mean) < 5 / Math.sqrt(n), "mean " + mean + " of " + n);
        assertTrue(Math.abs(var - 1) < 5 * Math.sqrt(2.0 / n), "variance " + var + " of " + n);
        // the same step draws the same noise, another step other noise
        assertArrayEquals(eps.values().iterator().next(), Ogm.noiseDraws(step.random(Ogm.NOISE_SITE), m.roles).values().iterator().next());
        assertFalse(java.util.Arrays.equals(eps.values().iterator().next(), Ogm.noiseDraws(
                m.step(6, outputs("image", "text"), LABELS).random(Ogm.NOISE_SITE), m.roles).values().iterator().next()));
    }

    @Test
    void outsideTheModulationEpochsNothingChanges(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        StepReport r = new Ogm(options(true, 1), m.setup).apply(m.step(0, outputs("image", "text"), LABELS));
        assertEquals(1.0, r.metrics().get("coeff/text"));
        for (ParameterSet.Param p : m.params.all()) {
            assertArrayEquals(m.gradBefore(p.name()), m.grad(p.name()), p.name());
        }
    }

    @Test
    void optionsAreValidatedAndTheVariantIsPlainOgm() {
        assertEquals(Map.of("noise", false), Methods.resolve("ogm").options());
        assertEquals("ogm-ge", Methods.resolve("ogm").method());
        assertTrue(Ogm.Options.defaults("tiny").noise());
        assertEquals("alpha: must be a finite number > 0, got 0.0",
                assertThrows(InvalidOption.class, () -> new Ogm.Options(0, 0, 1, true, Ogm.Score.FAITHFUL)).getMessage());
        assertEquals("end_epoch: must be >= 5, got 2",
                assertThrows(InvalidOption.class, () -> new Ogm.Options(0.3, 5, 2, true, Ogm.Score.FAITHFUL)).getMessage());
        var regression = new LateFusion().configure(new ModelRequest("tiny", List.of(new Modality("a", 3, 2),
                new Modality("b", 3, 2)), Tasks.REGRESSION, 0));
        InvalidOption e = assertThrows(InvalidOption.class, () -> new Ogm(Ogm.Options.defaults("tiny"),
                new MethodSetup(regression, 1)));
        assertTrue(e.getMessage().contains("needs a classification task"), e.getMessage());
    }

    static double std(float[] g) {
        double mean = 0;
        for (float v : g) {
            mean += v;
        }
        mean /= g.length;
        double ss = 0;
        for (float v : g) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (g.length - 1));
    }
}
