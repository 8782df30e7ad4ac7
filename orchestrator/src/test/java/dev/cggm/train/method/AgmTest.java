package dev.cggm.train.method;

import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.optim.GradientClipping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * AGM on the tiny late-fusion model's real parameters, with chosen eval outputs for each
 * coalition of present modalities: the Shapley-style responses (benchmark and exact), the scores,
 * the coefficients against the running scores, the scaled gradients, the conditional clipping and
 * the state. Expected numbers are worked out by hand from the outputs below.
 */
class AgmTest {
    static final float[] BOTH = {2, 0, 0, 0, 1, 3};
    static final float[] IMAGE_ONLY = {1, 0, 0.5f, 0, 0, 1};
    static final float[] TEXT_ONLY = {0.5f, 0, 0, 0, 1, 2};
    static final float[] NONE = {0.2f, 0.1f, 0, 0, 0.3f, 0.1f};

    /** Eval outputs of the two-modality model by the set of zeroed modalities. */
    static Map<Set<String>, float[]> twoModalityRuns() {
        return Map.of(Set.of(), BOTH, Set.of("text"), IMAGE_ONLY, Set.of("image"), TEXT_ONLY, Set.of("image", "text"), NONE);
    }

    static Map<String, float[]> anyOutputs(String... modalities) {
        Map<String, float[]> o = new LinkedHashMap<>();
        for (String m : modalities) {
            o.put(m, new float[6]);
        }
        return o;
    }

    @Test
    void responsesScoresAndCoefficientsOfTwoModalities(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Agm agm = new Agm(new Agm.Options(0.1, 0, Agm.Responses.BENCHMARK), m.setup);
        // r_image = (f(both) - f(text only)) / 2 = [[0.75, 0, 0], [0, 0, 0.5]], r_text = [[0.5, 0, -0.25], [0, 0.5, 1]];
        // s = mean -log softmax(r)[y] with y = (0, 2)
        StepReport r = agm.apply(m.step(0, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        assertEquals(0.7297507581202758, r.metrics().get("score/image"), 1e-6);
        assertEquals(0.7060536187180674, r.metrics().get("score/text"), 1e-6);
        // running scores start at 0 (ratio 1): k = exp(0.1 * (1 - exp(2 (s - mean s))))
        double kImage = 0.9976048581720875;
        double kText = 1.002344600987146;
        assertEquals(kImage, r.metrics().get("coeff/image"), 1e-7);
        assertEquals(kText, r.metrics().get("coeff/text"), 1e-7);
        for (ParameterSet.Param p : m.params.all()) {
            double k = p.shape().length == 1 ? 1 : p.group().equals("encoder/image") ? kImage
                    : p.group().equals("encoder/text") ? kText : 1;
            float[] before = m.gradBefore(p.name());
            float[] after = m.grad(p.name());
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] * k, after[i], 1e-6 * Math.max(1, Math.abs(before[i])), p.name());
            }
        }
        // the running scores are now step 0's: the same responses again give ratio = running ratio, k = 1
        m.resetGrads();
        StepReport again = agm.apply(m.step(1, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        assertEquals(1.0, again.metrics().get("coeff/image"), 1e-12);
        assertEquals(1.0, again.metrics().get("coeff/text"), 1e-12);
    }

    @Test
    void shapleyResponsesAddTheEmptyCoalition(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Agm agm = new Agm(new Agm.Options(0.1, 0, Agm.Responses.SHAPLEY), m.setup);
        // r_image gains (f(image only) - f(none)) / 2: [[1.15, -0.05, 0.25], [0, -0.15, 0.95]]
        StepReport r = agm.apply(m.step(0, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        assertEquals(0.5386417918285562, r.metrics().get("score/image"), 1e-6);
        assertEquals(0.5161347057445278, r.metrics().get("score/text"), 1e-6);
        assertEquals(0.9977263604909896, r.metrics().get("coeff/image"), 1e-7);
    }

    @Test
    void threeModalitiesWeighCoalitionsByShapleyWeights(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "a", "v", "t");
        // f(S) = Σ_{m∈S} u_m (one-hot unit logits) + 0.6 on class 0 for {a,v,t} + 0.3 on class 1 for {a,v} alone
        Map<Set<String>, float[]> runs = new HashMap<>();
        List<String> all = List.of("a", "v", "t");
        for (int mask = 1; mask < 8; mask++) {
            float[] f = new float[3];
            Set<String> present = new java.util.HashSet<>();
            for (int k = 0; k < 3; k++) {
                if ((mask & (1 << k)) != 0) {
                    present.add(all.get(k));
                    f[k] += 1;
                }
            }
            if (present.size() == 3) {
                f[0] += 0.6f;
            }
            if (present.equals(Set.of("a", "v"))) {
                f[1] += 0.3f;
            }
            Set<String> zeroed = new java.util.HashSet<>(all);
            zeroed.removeAll(present);
            runs.put(zeroed, f);
        }
        // weights 1/6 for one other modality present, 1/3 for two:
        // r_a = [2/3 + 0.2, 0.05, 0], r_v = [0.2, 2/3 + 0.05, 0], r_t = [0.2, -0.1, 2/3]; label 0
        Map<String, float[]> any = new LinkedHashMap<>();
        all.forEach(x -> any.put(x, new float[3]));
        StepReport r = new Agm(new Agm.Options(0.1, 0, Agm.Responses.BENCHMARK), m.setup)
                .apply(m.step(0, any, 0).withEvaluations(runs));
        assertEquals(0.6217868270619787, r.metrics().get("score/a"), 1e-6);
        assertEquals(1.251379434186825, r.metrics().get("score/v"), 1e-6);
        assertEquals(1.2046189891765384, r.metrics().get("score/t"), 1e-6);
        // ratio exponent M/(M-1) = 3/2
        assertEquals(1.0465078064365074, r.metrics().get("coeff/a"), 1e-7);
        assertEquals(0.9605600262227629, r.metrics().get("coeff/v"), 1e-7);
        assertEquals(0.9697282493516605, r.metrics().get("coeff/t"), 1e-7);
        assertEquals(1.0 / 3, Agm.shapleyWeight(2, 3), 1e-15);
        assertEquals(1.0 / 6, Agm.shapleyWeight(1, 3), 1e-15);
    }

    @Test
    void aLargeHeadGradientClipsTheModelGradientAsTheToolkitDoes(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        ParameterSet.Param head = m.roles.headOut().weight();
        head.grad().put(3, 6f);
        StepReport r = new Agm(new Agm.Options(0.1, 5.0, Agm.Responses.BENCHMARK), m.setup)
                .apply(m.step(0, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        assertEquals(1.0, r.metrics().get("clipped"));
        assertEquals(5.0, GradientClipping.norm(m.params.model()), 1e-4);

        m.resetGrads();
        StepReport small = new Agm(new Agm.Options(0.1, 5.0, Agm.Responses.BENCHMARK), m.setup)
                .apply(m.step(0, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        assertFalse(small.metrics().containsKey("clipped"), "random N(0, 1) gradients stay within ±5");
    }

    @Test
    void runningScoresSurviveACheckpoint(@TempDir Path tmp) throws Exception {
        LateFusionFixture m = new LateFusionFixture(tmp, "image", "text");
        Agm a = new Agm(Agm.Options.defaults("tiny"), m.setup);
        a.apply(m.step(0, anyOutputs("image", "text"), 0, 2).withEvaluations(twoModalityRuns()));
        Agm b = new Agm(Agm.Options.defaults("tiny"), m.setup);
        b.restore(a.state());
        Map<Set<String>, float[]> other = new HashMap<>(twoModalityRuns());
        other.put(Set.of(), new float[] {0, 3, 0, 1, 0, 0});
        m.resetGrads();
        StepReport ra = a.apply(m.step(1, anyOutputs("image", "text"), 0, 2).withEvaluations(other));
        m.resetGrads();
        StepReport rb = b.apply(m.step(1, anyOutputs("image", "text"), 0, 2).withEvaluations(other));
        assertEquals(ra, rb);
        assertThrows(InvalidOption.class, () -> new Agm.Options(0.1, -1, Agm.Responses.BENCHMARK));
    }
}
