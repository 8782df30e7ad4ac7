package dev.cggm.train.method;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.Choice;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.optim.GradientClipping;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adaptive gradient modulation (AGM, Li et al., ICCV 2023), as BalanceBenchmark's AGM trainer
 * does it. Each step, the eval model (no dropout) runs on the batch with every coalition S of
 * modalities present and the others' features zeroed, giving fused logits f(S); a modality's
 * response is its Shapley-style marginal contribution r_m = Σ_S w(|S|)·(f(S ∪ {m}) − f(S)) over
 * coalitions S of the other modalities, w(l) = l!(M−l−1)!/M!. The toolkit sums only over
 * non-empty S ({@link Responses#BENCHMARK}; for two modalities r_a = ½(f(av) − f(v)));
 * {@link Responses#SHAPLEY} adds S = ∅ with f(∅) the output with every modality zeroed.
 *
 * <p>Then s_m = mean_i −log max(softmax(r_m,i)[y_i], 1e-8), ratio_m = exp(M/(M−1)·(s_m − mean s)),
 * its running counterpart from s̄_m (the mean of s_m over all steps so far, kept in the method's
 * state), and k_m = exp(α·min(ratio̅_m − ratio_m, 7)) multiplies modality m's encoder weight
 * gradients (rank ≠ 1). As the toolkit, when any gradient of the head's output weight leaves
 * [−clip_at, clip_at] the whole model's gradient is clipped to norm {@code clip_at} (before the
 * run's own clipping).
 */
public final class Agm implements BalancingMethod, GradientTransform {
    /** Which coalitions a modality's response sums over. */
    public enum Responses {
        /** As the toolkit: coalitions with at least one other modality. */
        BENCHMARK,
        /** The Shapley value: every coalition, the empty one included. */
        SHAPLEY;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Responses of(String id) {
            return Choice.parse(Responses.class, "", id);
        }
    }

    /** Options of AGM (defaults: BalanceBenchmark's trainer config). */
    public record Options(
            @Doc("modulation strength alpha in k = exp(alpha * min(running - current ratio, 7)) (> 0)") double alpha,
            @Doc("clip the model's gradient norm to this when a head-out weight gradient exceeds it (0 = never)")
            double clipAt,
            @Doc("responses over coalitions 'benchmark' (non-empty, as the toolkit) or 'shapley' (with the empty one)")
            Responses responses) implements MethodOptions {
        public Options {
            InvalidOption.positive("alpha", alpha);
            InvalidOption.nonNegative("clip_at", clipAt);
            InvalidOption.required("responses", responses);
        }

        /** BalanceBenchmark: α 0.1; its trainer's conditional clipping at 5. */
        public static Options defaults(String preset) {
            return new Options(0.1, 5.0, Responses.BENCHMARK);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("agm",
            "adaptive gradient modulation by Shapley-style unimodal responses (Li et al., ICCV 2023)", Options.class,
            Options::defaults, List.of(LateFusion.ID), Set.of(ModelFeature.FUSED_OUTPUT), 2, Integer.MAX_VALUE, Agm::new);

    /** The floor on the label probability inside −log (the toolkit's 1e-8). */
    static final double MIN_PROBABILITY = 1e-8;
    /** The cap on the ratio gap in the exponent (the toolkit's 7). */
    static final double MAX_GAP = 7;

    private final Options options;
    private final List<String> modalities;
    /** Running mean of each modality's score over all steps so far. */
    private double[] runningScores;

    public Agm(Options options, MethodSetup setup) {
        EncoderModulation.requireClassification(DESCRIPTOR.id(), setup);
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        this.runningScores = new double[modalities.size()];
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        int m = modalities.size();
        float[][] responses = responses(step);
        double[] scores = new double[m];
        for (int k = 0; k < m; k++) {
            scores[k] = meanNegativeLogLikelihood(responses[k], step.outputDim(), step.targets());
        }
        double[] coeff = coefficients(scores, runningScores, options.alpha());
        long iteration = step.step() + 1;
        for (int k = 0; k < m; k++) {
            runningScores[k] = runningScores[k] * (iteration - 1) / iteration + scores[k] / iteration;
        }
        ModelRoles roles = step.roles();
        for (int k = 0; k < m; k++) {
            EncoderModulation.scale(roles, modalities.get(k), coeff[k]);
        }
        boolean clipped = options.clipAt() > 0 && exceeds(roles.headOut().weight(), options.clipAt());
        if (clipped) {
            GradientClipping.clip(step.params().model(), options.clipAt());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int k = 0; k < m; k++) {
            metrics.put("score/" + modalities.get(k), scores[k]);
            metrics.put("coeff/" + modalities.get(k), coeff[k]);
        }
        if (clipped) {
            metrics.put("clipped", 1.0);
        }
        return new StepReport(metrics, 0);
    }

    /** Each modality's response r_m [batch, classes] from eval runs on coalitions (cached per coalition). */
    private float[][] responses(StepContext step) {
        int m = modalities.size();
        Map<Set<String>, float[]> cache = new HashMap<>();
        float[][] out = new float[m][];
        for (int k = 0; k < m; k++) {
            String modality = modalities.get(k);
            List<String> others = modalities.stream().filter(o -> !o.equals(modality)).toList();
            double[] r = null;
            for (int mask = options.responses() == Responses.SHAPLEY ? 0 : 1; mask < (1 << others.size()); mask++) {
                Set<String> coalition = new LinkedHashSet<>();
                for (int j = 0; j < others.size(); j++) {
                    if ((mask & (1 << j)) != 0) {
                        coalition.add(others.get(j));
                    }
                }
                Set<String> with = new LinkedHashSet<>(coalition);
                with.add(modality);
                float[] fWith = fused(step, with, cache);
                float[] fWithout = fused(step, coalition, cache);
                double w = shapleyWeight(coalition.size(), m);
                if (r == null) {
                    r = new double[fWith.length];
                }
                for (int i = 0; i < r.length; i++) {
                    r[i] += w * ((double) fWith[i] - fWithout[i]);
                }
            }
            out[k] = toFloats(r);
        }
        return out;
    }

    /** f(S): the eval model's fused output with only the coalition's modalities present. */
    private float[] fused(StepContext step, Set<String> present, Map<Set<String>, float[]> cache) {
        return cache.computeIfAbsent(Set.copyOf(present), p -> {
            Set<String> zeroed = new LinkedHashSet<>(modalities);
            zeroed.removeAll(p);
            return step.evaluateWithout(zeroed).output();
        });
    }

    /** l!(M−l−1)!/M!: the Shapley weight of a coalition of l other modalities among M. */
    static double shapleyWeight(int l, int m) {
        return factorial(l) * factorial(m - l - 1) / factorial(m);
    }

    private static double factorial(int n) {
        double f = 1;
        for (int i = 2; i <= n; i++) {
            f *= i;
        }
        return f;
    }

    /** mean_i −log max(softmax(r_i)[y_i], 1e-8). */
    static double meanNegativeLogLikelihood(float[] logits, int classes, Targets y) {
        double s = 0;
        for (int i = 0; i < y.rows(); i++) {
            double p = EncoderModulation.softmax(logits, i, classes)[(int) y.label(i)];
            s += -Math.log(Math.max(p, MIN_PROBABILITY));
        }
        return s / y.rows();
    }

    /** k_m = exp(α·min(ratio(running) − ratio(current), 7)), ratio_m = exp(M/(M−1)·(s_m − mean s)). */
    static double[] coefficients(double[] scores, double[] running, double alpha) {
        int m = scores.length;
        double[] current = ratios(scores);
        double[] optimal = ratios(running);
        double[] k = new double[m];
        for (int i = 0; i < m; i++) {
            k[i] = Math.exp(alpha * Math.min(optimal[i] - current[i], MAX_GAP));
        }
        return k;
    }

    private static double[] ratios(double[] s) {
        int m = s.length;
        double mean = 0;
        for (double v : s) {
            mean += v / m;
        }
        double[] r = new double[m];
        for (int i = 0; i < m; i++) {
            r[i] = Math.exp((double) m / (m - 1) * (s[i] - mean));
        }
        return r;
    }

    private static boolean exceeds(ParameterSet.Param p, double bound) {
        for (int i = 0; i < p.size(); i++) {
            float g = p.grad().get(i);
            if (g > bound || g < -bound) {
                return true;
            }
        }
        return false;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    // ---------------------------------------------------------------- checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        return Map.of("running_scores", HostTensor.of(runningScores.clone(), runningScores.length));
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        runningScores = s.get("running_scores").toDoubles().clone();
    }
}
