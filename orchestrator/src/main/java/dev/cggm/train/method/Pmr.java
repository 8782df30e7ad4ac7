package dev.cggm.train.method;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.config.InvalidOption;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prototypical modal rebalance (PMR, Fan et al., CVPR 2023), as BalanceBenchmark's PMR trainer
 * does it. At each epoch's start, class prototypes per modality — the mean pooled encoder
 * feature h_m of each class over the training split, from eval runs — are blended with the
 * previous epoch's, p ← (1 − μ)·p_new + μ·p_old. Each step compares a sample's features with them,
 * sim_m = −‖h_m − p_m,c‖ (the Euclidean distance, as the toolkit's EU_dist), and scores each
 * modality by s_m = Σ_i softmax(sim_m,i)[y_i]. With two modalities the weaker one (lower s_m)
 * gets α·CE(sim_m, y) added to the fused loss (a loss term of the training graph whose
 * per-modality indicator [s_m &lt; s_other] is computed in the graph and detached). With three or
 * more, as the toolkit, no prototype loss: r_m = s_m / min_k s_k, and modality m's encoder weight
 * gradients (rank ≠ 1) become k_m·g − N(0, std(g) + 1e-8), k_m = 1 − tanh(η·r_m) when r_m &gt; 1,
 * else 1. Both act only within the modulation epochs.
 *
 * <p>Departure: the toolkit averages the prototypes over the first tenth of a shuffled pass of
 * the training loader (division by zero for a class it did not see); here they average the whole
 * training split, and a class without samples keeps its previous prototype (zero at first).
 */
public final class Pmr implements BalancingMethod, GradientTransform {
    /** The two-modality prototype loss term of the training graph (weight α in the modulation epochs, else 0). */
    public static final String TERM = "pmr/prototype_loss";
    public static final int NOISE_SITE = 0;

    /** Options of PMR (defaults: BalanceBenchmark's trainer config). */
    public record Options(
            @Doc("weight alpha of the weaker modality's prototype loss (two modalities; >= 0)") double alpha,
            @Doc("first epoch (0-based) whose steps are modulated") int startEpoch,
            @Doc("last epoch (0-based, inclusive) whose steps are modulated") int endEpoch,
            @Doc("share of the previous epoch's prototypes in the new ones, in [0, 1)") double prototypeMomentum,
            @Doc("strength eta of the gradient coefficient 1 - tanh(eta * ratio) (3+ modalities; > 0)") double eta)
            implements MethodOptions {
        public Options {
            InvalidOption.nonNegative("alpha", alpha);
            InvalidOption.range("start_epoch", startEpoch, 0, Integer.MAX_VALUE);
            InvalidOption.range("end_epoch", endEpoch, startEpoch, Integer.MAX_VALUE);
            InvalidOption.within("prototype_momentum", prototypeMomentum, 0, 1, true);
            InvalidOption.positive("eta", eta);
        }

        /** BalanceBenchmark: α 0.6, epochs 0–80, momentum 0.5, η 0.01. */
        public static Options defaults(String preset) {
            return new Options(0.6, 0, 80, 0.5, 0.01);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("pmr",
            "prototypical modal rebalance (Fan et al., CVPR 2023)", Options.class, Options::defaults,
            List.of(LateFusion.ID), Set.of(ModelFeature.EMBEDDINGS), 2, Integer.MAX_VALUE, Pmr::new);

    private final Options options;
    private final List<String> modalities;
    private final int classes;
    /** Per modality the prototypes [classes, d] row-major; null before the first epoch starts. */
    private float[][] prototypes;

    public Pmr(Options options, MethodSetup setup) {
        EncoderModulation.requireClassification(DESCRIPTOR.id(), setup);
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        this.classes = setup.outputDim();
    }

    static String prototypeInput(String modality) {
        return "pmr/prototypes/" + modality;
    }

    static String scoreOutput(String modality) {
        return "pmr/score/" + modality;
    }

    static String prototypeLossOutput(String modality) {
        return "pmr/prototype_ce/" + modality;
    }

    // ---------------------------------------------------------------- graphs

    @Override
    public GraphExtension graph() {
        return this::extend;
    }

    private void extend(ModelGraph g) {
        if (g.variant() == ModelGraph.Variant.EVAL) {
            for (String m : modalities) {
                g.addOutput(g.embedding(m), ModelIO.embedding(m));
            }
        }
        if (g.variant() != ModelGraph.Variant.TRAINING) {
            return;
        }
        GraphBuilder b = g.b();
        List<Value> scores = new ArrayList<>();
        List<Value> losses = new ArrayList<>();
        for (String m : modalities) {
            Value h = g.embedding(m);                                                     // [B, d]
            Value p = g.addMethodInput(prototypeInput(m), TensorType.of(h.dtype(), classes, h.dim(1).size()));
            Value diff = b.sub(b.unsqueeze(h, 1), b.unsqueeze(p, 0));                     // [B, C, d]
            Value sim = b.neg(b.sqrt(b.reduceSum(b.mul(diff, diff), false, 2)));          // [B, C]
            Value ce = b.softmaxCrossEntropy(sim, g.target(), null);
            Value score = b.reduceSum(b.mul(b.softmax(sim, 1), b.classIndicator(g.target(), sim)), false);
            g.addOutput(score, scoreOutput(m));
            g.addOutput(ce, prototypeLossOutput(m));
            scores.add(b.detach(score));
            losses.add(ce);
        }
        if (modalities.size() == 2) {
            // the weaker modality's prototype loss; neither when the scores tie
            Value first = b.cast(b.less(scores.get(0), scores.get(1)), losses.get(0).dtype());
            Value second = b.cast(b.less(scores.get(1), scores.get(0)), losses.get(1).dtype());
            g.addLossTerm(TERM, b.add(b.mul(b.detach(first), losses.get(0)), b.mul(b.detach(second), losses.get(1))), 0.0);
        }
    }

    // ---------------------------------------------------------------- epochs and steps

    @Override
    public void onEpochStart(RunContext run) {
        int m = modalities.size();
        double[][] sums = new double[m][];
        long[] counts = new long[classes];
        run.forEachBatch(run.train(), (rows, targets, outputs) -> {
            for (int k = 0; k < m; k++) {
                float[] h = outputs.tensor(ModelIO.embedding(modalities.get(k)));
                int d = h.length / rows.length;
                if (sums[k] == null) {
                    sums[k] = new double[classes * d];
                }
                for (int i = 0; i < rows.length; i++) {
                    int c = (int) targets.label(i);
                    for (int j = 0; j < d; j++) {
                        sums[k][c * d + j] += h[i * d + j];
                    }
                }
            }
            for (int i = 0; i < rows.length; i++) {
                counts[(int) targets.label(i)]++;
            }
        });
        prototypes = blend(sums, counts, prototypes, options.prototypeMomentum());
    }

    /**
     * The new prototypes: class means of the summed features, blended with the previous ones
     * ({@code previous} null: none yet); a class without samples keeps its previous prototype.
     */
    static float[][] blend(double[][] sums, long[] counts, float[][] previous, double momentum) {
        float[][] out = new float[sums.length][];
        int classes = counts.length;
        for (int k = 0; k < sums.length; k++) {
            int d = sums[k].length / classes;
            out[k] = new float[classes * d];
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < d; j++) {
                    int at = c * d + j;
                    double old = previous == null ? 0 : previous[k][at];
                    if (counts[c] == 0) {
                        out[k][at] = (float) old;
                    } else {
                        double mean = sums[k][at] / counts[c];
                        out[k][at] = (float) (previous == null ? mean : (1 - momentum) * mean + momentum * old);
                    }
                }
            }
        }
        return out;
    }

    private boolean active(int epoch) {
        return epoch >= options.startEpoch() && epoch <= options.endEpoch();
    }

    @Override
    public StepPlan plan(StepContext step) {
        if (prototypes == null) {
            throw new IllegalStateException("PMR has no prototypes: onEpochStart did not run before step " + step.step());
        }
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (int k = 0; k < modalities.size(); k++) {
            float[] p = prototypes[k];
            inputs.put(prototypeInput(modalities.get(k)), HostTensor.of(p.clone(), classes, p.length / classes));
        }
        StepPlan plan = modalities.size() == 2
                ? StepPlan.of(StepPlan.Pass.weighted("", Map.of(TERM, active(step.epoch()) ? options.alpha() : 0.0)))
                : StepPlan.DEFAULT;
        return plan.withInputs(inputs);
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        int m = modalities.size();
        double[] scores = new double[m];
        for (int k = 0; k < m; k++) {
            scores[k] = step.outputs().scalar(scoreOutput(modalities.get(k)));
        }
        boolean active = active(step.epoch());
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int k = 0; k < m; k++) {
            metrics.put("score/" + modalities.get(k), scores[k]);
        }
        if (m == 2) {
            for (int k = 0; k < 2; k++) {
                boolean weaker = scores[k] < scores[1 - k];
                metrics.put("proto_weight/" + modalities.get(k), active && weaker ? options.alpha() : 0.0);
                metrics.put("proto_loss/" + modalities.get(k), step.outputs().scalar(prototypeLossOutput(modalities.get(k))));
            }
            // the weighted prototype term is part of what this step descends: it counts in total_loss
            return new StepReport(metrics, active ? options.alpha() * step.outputs().scalar(TERM) : 0);
        }
        double[] coeff = coefficients(scores, options.eta());
        if (active) {
            Map<String, float[]> eps = EncoderModulation.draws(step.random(NOISE_SITE), step.roles(), modalities);
            for (int k = 0; k < m; k++) {
                EncoderModulation.scaleWithNoise(EncoderModulation.weights(step.roles(), modalities.get(k)), coeff[k], eps, -1);
            }
        }
        for (int k = 0; k < m; k++) {
            metrics.put("coeff/" + modalities.get(k), active ? coeff[k] : 1.0);
        }
        return new StepReport(metrics, 0);
    }

    /** k_m = 1 − tanh(η·s_m / min s) where that ratio exceeds 1, else 1 (three or more modalities). */
    static double[] coefficients(double[] scores, double eta) {
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores) {
            min = Math.min(min, s);
        }
        double[] k = new double[scores.length];
        for (int i = 0; i < k.length; i++) {
            double ratio = scores[i] / min;
            k[i] = ratio > 1 ? 1 - Math.tanh(eta * ratio) : 1;
        }
        return k;
    }

    // ---------------------------------------------------------------- checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        if (prototypes != null) {
            for (int k = 0; k < modalities.size(); k++) {
                s.put("prototypes/" + modalities.get(k), HostTensor.of(prototypes[k].clone(), prototypes[k].length));
            }
        }
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        if (!s.containsKey("prototypes/" + modalities.get(0))) {
            prototypes = null;
            return;
        }
        prototypes = new float[modalities.size()][];
        for (int k = 0; k < modalities.size(); k++) {
            prototypes[k] = s.get("prototypes/" + modalities.get(k)).floats().clone();
        }
    }
}
