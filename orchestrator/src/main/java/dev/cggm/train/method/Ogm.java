package dev.cggm.train.method;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.config.Choice;
import dev.cggm.train.config.InvalidOption;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * On-the-fly gradient modulation with generalisation enhancement (OGM-GE, Peng et al., CVPR 2022),
 * as BalanceBenchmark's OGM trainer does it. After the fused loss's backward, each modality gets
 * a score from its unimodal logits z_m (a slice of the concat head), s_m = Σ_i softmax(z_m,i)[y_i];
 * its ratio is r_m = s_m / (s_other + 1e-5) with two modalities, r_m = s_m / (min_k s_k + 1e-5)
 * with more; a modality ahead (r_m &gt; 1) gets k_m = max(1 − tanh(α·relu(r_m)), 0), the others 1
 * (the toolkit's formula: relu of the ratio itself, so k jumps from 1 to 1 − tanh(α) at r = 1).
 * Within the modulation epochs every encoder weight gradient (rank ≠ 1) becomes k_m·g, plus —
 * with {@code noise} (OGM-GE; {@code ogm} is the variant without) — N(0, std(g) + 1e-8) for
 * every modality, drawn from the step's deterministic random source.
 *
 * <p>With three or more modalities the toolkit scores only correctly classified samples, with
 * softmax(cos(z_m)) ({@link Score#FAITHFUL}); {@link Score#SOFTMAX} uses the two-modality score
 * for any number. Its OGM_GE3 variant (mean of pairwise ratios) is not reproduced: its code
 * divides only the last modality's ratio by the count.
 */
public final class Ogm implements BalancingMethod, GradientTransform {
    /** The random site of the gradient noise (one draw sequence per step). */
    public static final int NOISE_SITE = 0;

    /** How three or more modalities are scored. */
    public enum Score {
        /** As the toolkit: Σ softmax(z)_y with two modalities; with more, Σ over correct samples of softmax(cos z)_y. */
        FAITHFUL,
        /** Σ softmax(z)_y for any number of modalities. */
        SOFTMAX;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Score of(String id) {
            return Choice.parse(Score.class, "", id);
        }
    }

    /** Options of OGM / OGM-GE (defaults: BalanceBenchmark's trainer config). */
    public record Options(
            @Doc("modulation strength alpha in k = 1 - tanh(alpha * ratio) (> 0)") double alpha,
            @Doc("first epoch (0-based) whose steps are modulated") int startEpoch,
            @Doc("last epoch (0-based, inclusive) whose steps are modulated") int endEpoch,
            @Doc("gradient enhancement: add N(0, std(g)) noise to the encoder gradients (OGM-GE); false is plain OGM")
            boolean noise,
            @Doc("score of 3+ modalities: 'faithful' (correct samples, softmax of cos, as the toolkit) or 'softmax'")
            Score score) implements MethodOptions {
        public Options {
            InvalidOption.positive("alpha", alpha);
            InvalidOption.range("start_epoch", startEpoch, 0, Integer.MAX_VALUE);
            InvalidOption.range("end_epoch", endEpoch, startEpoch, Integer.MAX_VALUE);
            InvalidOption.required("score", score);
        }

        /** BalanceBenchmark: α 0.3, epochs 10–80, OGM_GE. */
        public static Options defaults(String preset) {
            return new Options(0.3, 10, 80, true, Score.FAITHFUL);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("ogm-ge",
            "on-the-fly gradient modulation with generalisation enhancement (Peng et al., CVPR 2022)", Options.class,
            Options::defaults, List.of(LateFusion.ID), Set.of(ModelFeature.UNIMODAL_OUTPUTS), 2, Integer.MAX_VALUE,
            Ogm::new);

    private final Options options;
    private final List<String> modalities;

    public Ogm(Options options, MethodSetup setup) {
        EncoderModulation.requireClassification(DESCRIPTOR.id(), setup);
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        double[] scores = scores(step);
        double[] coeff = coefficients(scores, options.alpha());
        boolean active = step.epoch() >= options.startEpoch() && step.epoch() <= options.endEpoch();
        if (active) {
            ModelRoles roles = step.roles();
            Map<String, float[]> eps = options.noise() ? noiseDraws(step.random(NOISE_SITE), roles) : null;
            for (int k = 0; k < modalities.size(); k++) {
                if (eps == null) {
                    EncoderModulation.scale(roles, modalities.get(k), coeff[k]);
                } else {
                    EncoderModulation.scaleWithNoise(EncoderModulation.weights(roles, modalities.get(k)), coeff[k], eps, 1);
                }
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int k = 0; k < modalities.size(); k++) {
            metrics.put("score/" + modalities.get(k), scores[k]);
            metrics.put("coeff/" + modalities.get(k), active ? coeff[k] : 1.0);
        }
        return new StepReport(metrics, 0);
    }

    /** The standard normal draws of a step's gradient enhancement, by parameter name (see {@link EncoderModulation#draws}). */
    public static Map<String, float[]> noiseDraws(SplittableRandom random, ModelRoles roles) {
        return EncoderModulation.draws(random, roles, roles.modalities());
    }

    private double[] scores(StepContext step) {
        int c = step.outputDim();
        Targets y = step.targets();
        boolean gated = modalities.size() > 2 && options.score() == Score.FAITHFUL;
        double[] s = new double[modalities.size()];
        for (int k = 0; k < s.length; k++) {
            float[] z = step.outputs().modalityOutput(modalities.get(k));
            s[k] = gated ? correctCosineScore(z, c, y) : EncoderModulation.labelProbabilitySum(z, c, y);
        }
        return s;
    }

    /** The toolkit's three-modality score: Σ over samples whose argmax is the label of softmax(cos z)[y]. */
    static double correctCosineScore(float[] z, int classes, Targets y) {
        double s = 0;
        float[] cos = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            cos[i] = (float) Math.cos(z[i]);
        }
        for (int i = 0; i < y.rows(); i++) {
            int label = (int) y.label(i);
            int argmax = 0;
            for (int k = 1; k < classes; k++) {
                if (z[i * classes + k] > z[i * classes + argmax]) {
                    argmax = k;
                }
            }
            if (argmax == label) {
                s += EncoderModulation.softmax(cos, i, classes)[label];
            }
        }
        return s;
    }

    /** k_m from the scores: the ratio over the other modality (two) or the weakest (more), as the toolkit. */
    static double[] coefficients(double[] scores, double alpha) {
        int m = scores.length;
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores) {
            min = Math.min(min, s);
        }
        double[] k = new double[m];
        for (int i = 0; i < m; i++) {
            double ratio = m == 2 ? scores[i] / (scores[1 - i] + 1e-5) : scores[i] / (min + 1e-5);
            k[i] = ratio > 1 ? Math.max(1 - Math.tanh(alpha * Math.max(ratio, 0)), 0) : 1;
        }
        return k;
    }
}
