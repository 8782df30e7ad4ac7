package dev.cggm.train.method;

import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;

import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MMPareto (Wei &amp; Hu, ICML 2024): the fused loss and every unimodal loss train together, and
 * each modality's encoder gets a Pareto integration of its two gradients instead of their sum.
 * Per step: the pass differentiates the fused loss (g_mm); a re-run differentiates the unimodal
 * losses into separate buffers (g_u; an encoder's only unimodal gradient is its own modality's).
 * Per encoder, over all its parameters: cos(g_mm, g_u) &gt; 0 gives equal weights ½, ½, otherwise
 * the min-norm weights of the two vectors (closed form); then per parameter tensor
 * g = 2(w_mm·g_mm + w_u·g_u), scaled up to the norm of g_mm + g_u if it is shorter, times α.
 * Everything else (the head) gets g_mm + g_u. Outside the modulation epochs the step is plain
 * multitask training on the fused plus unimodal losses.
 */
public final class MMPareto implements BalancingMethod, GradientTransform {
    /**
     * Options of {@link MMPareto}.
     *
     * @param alpha            factor on the integrated encoder gradients (the official γ)
     * @param startEpoch first epoch of the integration, 0-based as the toolkit counts
     * @param endEpoch   last epoch of the integration (inclusive), 0-based
     */
    public record Options(
            @Doc("factor on the integrated encoder gradients (> 0)") double alpha,
            @Doc("first epoch (0-based, inclusive) of the Pareto integration") int startEpoch,
            @Doc("last epoch (0-based, inclusive) of the Pareto integration") int endEpoch)
            implements MethodOptions {
        public Options {
            InvalidOption.positive("alpha", alpha);
            InvalidOption.range("start_epoch", startEpoch, 0, Integer.MAX_VALUE);
            InvalidOption.range("end_epoch", endEpoch, startEpoch, Integer.MAX_VALUE);
        }

        /** BalanceBenchmark's configuration: α 1.5, epochs 0–80. */
        public static Options defaults(String preset) {
            return new Options(1.5, 0, 80);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("mmpareto",
            "MMPareto: Pareto integration of fused and unimodal gradients per encoder (Wei & Hu, ICML 2024)",
            Options.class, Options::defaults, List.of(LateFusion.ID), Set.of(ModelFeature.UNIMODAL_OUTPUTS), 2,
            Integer.MAX_VALUE, MMPareto::new);

    /** Where the closed-form min-norm weight saturates, as the official solver clamps it. */
    static final double MIN_WEIGHT = 0.001;

    private final Options options;
    private final List<String> modalities;
    private final Map<String, Double> unimodalOnly = new LinkedHashMap<>();
    private final Map<String, Double> everyLoss = new LinkedHashMap<>();
    private GradientBuffers unimodal;

    MMPareto(Options options, MethodSetup setup) {
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        unimodalOnly.put(ModelIO.LOSS, 0.0);
        everyLoss.put(ModelIO.LOSS, 1.0);
        for (String m : modalities) {
            unimodalOnly.put(ModelIO.unimodalLoss(m), 1.0);
            everyLoss.put(ModelIO.unimodalLoss(m), 1.0);
        }
    }

    private boolean modulating(int epoch) {
        return epoch >= options.startEpoch() && epoch <= options.endEpoch();
    }

    @Override
    public StepPlan plan(StepContext step) {
        // in the window the pass takes the fused loss alone; the unimodal gradients come from a re-run
        return modulating(step.epoch()) ? StepPlan.of(StepPlan.Pass.weighted("", Map.of(ModelIO.LOSS, 1.0)))
                : StepPlan.of(StepPlan.Pass.weighted("", everyLoss));
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        if (!modulating(step.epoch())) {
            return StepReport.NONE;
        }
        if (unimodal == null) {
            unimodal = step.newGradientBuffers();
        }
        StepOutputs uni = step.rerun(unimodalOnly, unimodal);
        Map<String, Double> metrics = new LinkedHashMap<>();
        Set<String> integrated = new HashSet<>();
        double unimodalLoss = 0;
        for (String m : modalities) {
            List<ParameterSet.Param> encoder = step.roles().modality(m);
            double mm = 0;
            double mu = 0;
            double uu = 0;
            for (ParameterSet.Param p : encoder) {
                FloatBuffer a = p.grad();
                FloatBuffer b = unimodal.of(p);
                for (int i = 0; i < p.size(); i++) {
                    double x = a.get(i);
                    double y = b.get(i);
                    mm += x * x;
                    mu += x * y;
                    uu += y * y;
                }
            }
            double cos = cosine(mm, mu, uu);
            double[] w = weights(mm, mu, uu);
            for (ParameterSet.Param p : encoder) {
                integrate(p.grad(), unimodal.of(p), p.size(), w, options.alpha());
                integrated.add(p.name());
            }
            metrics.put("cos/" + m, cos);
            metrics.put("weight_mm/" + m, w[0]);
            unimodalLoss += uni.modalityLoss(m);
        }
        // the rest (the head) trains on every loss: g_mm + g_u
        for (ParameterSet.Param p : step.params().model()) {
            if (!integrated.contains(p.name())) {
                FloatBuffer g = p.grad();
                FloatBuffer u = unimodal.of(p);
                for (int i = 0; i < p.size(); i++) {
                    g.put(i, g.get(i) + u.get(i));
                }
            }
        }
        return new StepReport(metrics, unimodalLoss);
    }

    /** PyTorch's {@code cosine_similarity} from the dot products (norm product clamped at 1e-8). */
    static double cosine(double mm, double mu, double uu) {
        return mu / Math.sqrt(Math.max(mm * uu, 1e-16));
    }

    /**
     * The weights (w_mm, w_u) of the two gradients from their dot products: ½, ½ when they agree
     * (cosine &gt; 0), otherwise the minimiser of ‖c·g_mm + (1−c)·g_u‖² over c ∈ [0, 1] in closed
     * form, saturating at 0.999 / 0.001 as the official solver does.
     */
    static double[] weights(double mm, double mu, double uu) {
        if (cosine(mm, mu, uu) > 0) {
            return new double[] {0.5, 0.5};
        }
        double c;
        if (mu >= mm) {
            c = 1 - MIN_WEIGHT;
        } else if (mu >= uu) {
            c = MIN_WEIGHT;
        } else {
            c = (uu - mu) / (mm + uu - 2 * mu);
        }
        return new double[] {c, 1 - c};
    }

    /**
     * One parameter tensor: {@code mm} ← 2(w_mm·g_mm + w_u·g_u), scaled to ‖g_mm + g_u‖ when it is
     * shorter, times α (as the official per-tensor rescaling; a zero combination stays zero).
     */
    static void integrate(FloatBuffer mm, FloatBuffer u, int n, double[] w, double alpha) {
        double totalSq = 0;
        double combinedSq = 0;
        float[] combined = new float[n];
        for (int i = 0; i < n; i++) {
            float total = mm.get(i) + u.get(i);
            combined[i] = (float) (2 * w[0] * mm.get(i) + 2 * w[1] * u.get(i));
            totalSq += (double) total * total;
            combinedSq += (double) combined[i] * combined[i];
        }
        double ratio = combinedSq == 0 ? 0 : Math.sqrt(totalSq / combinedSq);
        double factor = (ratio > 1 ? ratio : 1) * alpha;
        for (int i = 0; i < n; i++) {
            mm.put(i, (float) (combined[i] * factor));
        }
    }
}
