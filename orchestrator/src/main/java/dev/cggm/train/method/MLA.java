package dev.cggm.train.method;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MLA, multimodal learning with alternating unimodal adaptation (Zhang et al., CVPR 2024): one
 * head shared by every modality, trained in alternating unimodal passes. Each step has one pass
 * per modality m: the loss is m's cross-entropy through the shared head, the pass trains m's
 * encoder and the head, and the head's weight gradient is projected, g ← g·Pᵀ, by an
 * orthogonal-weight-modification matrix updated from the batch-mean feature r of m:
 * k = P·rᵀ, P ← P − k·kᵀ/(α + r·k), P ← P/‖P‖_F, α = 0.1^(1 + step in epoch / steps per epoch),
 * so each modality's update disturbs the head's response to the others' features least (the
 * very first pass of a run is not projected, as in the reference code). The model predicts by
 * entropy gating: Σ_m softmax_m(−H_m)·z_m with H_m the entropy of z_m's class distribution.
 * The architecture's own concat head is reached by no loss (never updated). Outside the modulation epochs one pass trains
 * everything on the gated output's loss.
 */
public final class MLA implements BalancingMethod, GradientTransform {
    /**
     * Options of {@link MLA}.
     *
     * @param startEpoch first epoch of alternating training, 0-based as the toolkit counts
     * @param endEpoch   last epoch of alternating training (inclusive), 0-based
     */
    public record Options(
            @Doc("first epoch (0-based, inclusive) of the alternating unimodal passes") int startEpoch,
            @Doc("last epoch (0-based, inclusive) of the alternating unimodal passes") int endEpoch)
            implements MethodOptions {
        public Options {
            InvalidOption.range("start_epoch", startEpoch, 0, Integer.MAX_VALUE);
            InvalidOption.range("end_epoch", endEpoch, startEpoch, Integer.MAX_VALUE);
        }

        /** BalanceBenchmark's configuration: epochs 0–80. */
        public static Options defaults(String preset) {
            return new Options(0, 80);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("mla",
            "MLA: alternating unimodal passes through one shared head with projected head gradients, "
                    + "entropy-gated prediction (Zhang et al., CVPR 2024)",
            Options.class, Options::defaults, List.of(LateFusion.ID), Set.of(ModelFeature.EMBEDDINGS), 2,
            Integer.MAX_VALUE, MLA::new);

    static final String HEAD_WEIGHT = "mla_head.weight";
    static final String HEAD_BIAS = "mla_head.bias";

    private final Options options;
    private final List<String> modalities;
    /** P, d×d row-major; null until the first pass shows d. */
    private double[] projection;
    /** Unimodal passes taken so far in the run. */
    private long passes;
    private List<Set<String>> trainedBy;

    MLA(Options options, MethodSetup setup) {
        if (setup.task() != Tasks.CLASSIFICATION) {
            throw new InvalidOption("method", "mla gates modalities by the entropy of their class distributions; "
                    + "it needs a classification task, not " + setup.task().id());
        }
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
    }

    // ------------------------------------------------------------------ the graph

    @Override
    public dev.cggm.onnx.models.GraphExtension graph() {
        return MLA::sharedHead;
    }

    private static void sharedHead(ModelGraph g) {
        GraphBuilder b = g.b();
        List<String> ms = g.modalities();
        long d = featureWidth(g);
        int classes = g.config().outputDim();
        Value w = g.scope().parameter(HEAD_WEIGHT, ModelIO.HEAD_GROUP, Init.pytorchDefault(d), classes, d);
        Value bias = g.scope().parameter(HEAD_BIAS, ModelIO.HEAD_GROUP, Init.pytorchDefault(d), classes);
        List<Value> logits = new ArrayList<>();
        List<Value> negEntropy = new ArrayList<>();
        for (String m : ms) {
            Value h = g.embedding(m);
            Value z = b.linear(h, w, bias);
            logits.add(z);
            g.setModalityOutput(m, z, g.variant().hasTargets() ? g.task().loss(b, z, g.target()) : null);
            // −H = Σ p·log p, per sample
            negEntropy.add(b.reduceSum(b.mul(b.softmax(z, 1), b.logSoftmax(z, 1)), true, 1));
            if (g.variant() == ModelGraph.Variant.TRAINING) {
                g.addOutput(h, ModelIO.embedding(m));
            }
        }
        Value gates = b.softmax(b.concat(1, negEntropy), 1);                     // [B, M]
        List<Value> gated = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            Value gate = b.slice(gates, new long[] {i}, new long[] {i + 1}, new long[] {1});
            gated.add(b.mul(gate, logits.get(i)));
        }
        Value out = b.sum(gated);
        g.setOutput(out);
        if (g.variant().hasTargets()) {
            g.setLoss(g.task().loss(b, out, g.target()));
        }
    }

    private static long featureWidth(ModelGraph g) {
        long d = -1;
        for (String m : g.modalities()) {
            var dim = g.embedding(m).dim(1);
            if (!dim.isKnown() || (d >= 0 && dim.size() != d)) {
                throw new GraphException("mla shares one head between modalities; their features must have one known "
                        + "width, got " + dim + " for '" + m + "'");
            }
            d = dim.size();
        }
        return d;
    }

    // ------------------------------------------------------------------ the steps

    private boolean modulating(int epoch) {
        return epoch >= options.startEpoch() && epoch <= options.endEpoch();
    }

    @Override
    public StepPlan plan(StepContext step) {
        if (!modulating(step.epoch())) {
            return StepPlan.DEFAULT;
        }
        if (trainedBy == null) {
            trainedBy = new ArrayList<>();
            for (String m : modalities) {
                Set<String> names = new HashSet<>(List.of(HEAD_WEIGHT, HEAD_BIAS));
                step.roles().modality(m).forEach(p -> names.add(p.name()));
                trainedBy.add(names);
            }
        }
        List<StepPlan.Pass> out = new ArrayList<>();
        for (int k = 0; k < modalities.size(); k++) {
            Map<String, Double> weights = new LinkedHashMap<>();
            weights.put(ModelIO.LOSS, 0.0);
            for (String m : modalities) {
                weights.put(ModelIO.unimodalLoss(m), m.equals(modalities.get(k)) ? 1.0 : 0.0);
            }
            Set<String> trains = trainedBy.get(k);
            out.add(StepPlan.Pass.weighted(modalities.get(k), weights).training(p -> trains.contains(p.name())));
        }
        return new StepPlan(out, Map.of());
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
        String m = modalities.get(step.pass());
        float[] features = step.outputs().tensor(ModelIO.embedding(m));
        int d = features.length / step.batchSize();
        double[] r = new double[d];
        for (int i = 0; i < features.length; i++) {
            r[i % d] += features[i];
        }
        for (int j = 0; j < d; j++) {
            r[j] /= step.batchSize();
        }
        if (projection == null) {
            projection = identity(d);
        }
        if (passes > 0) {
            double alpha = Math.pow(0.1, 1 + (double) step.stepInEpoch() / step.stepsPerEpoch());
            projection = updatedProjection(projection, r, alpha);
            ParameterSet.Param w = step.params().get(HEAD_WEIGHT);
            project(w.grad(), (int) (w.size() / d), projection);
        }
        passes++;
        return new StepReport(Map.of("loss/" + m, step.outputs().modalityLoss(m)), 0);
    }

    static double[] identity(int d) {
        double[] p = new double[d * d];
        for (int i = 0; i < d; i++) {
            p[i * d + i] = 1;
        }
        return p;
    }

    /**
     * The orthogonal-weight-modification update of P (d×d, row-major) by a mean feature r:
     * k = P·r, P' = P − k·kᵀ/(α + r·k), returned divided by its Frobenius norm.
     */
    static double[] updatedProjection(double[] p, double[] r, double alpha) {
        int d = r.length;
        double[] k = new double[d];
        double rk = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                k[i] += p[i * d + j] * r[j];
            }
            rk += r[i] * k[i];
        }
        double denominator = alpha + rk;
        double[] out = new double[d * d];
        double frobenius = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = p[i * d + j] - k[i] * k[j] / denominator;
                out[i * d + j] = v;
                frobenius += v * v;
            }
        }
        double norm = Math.sqrt(frobenius);
        for (int i = 0; i < out.length; i++) {
            out[i] /= norm;
        }
        return out;
    }

    /** g ← g·Pᵀ for a gradient of {@code rows} × d (row-major) and P d×d. */
    static void project(FloatBuffer g, int rows, double[] p) {
        int d = (int) Math.round(Math.sqrt(p.length));
        double[] row = new double[d];
        for (int c = 0; c < rows; c++) {
            for (int j = 0; j < d; j++) {
                row[j] = g.get(c * d + j);
            }
            for (int i = 0; i < d; i++) {
                double v = 0;
                for (int j = 0; j < d; j++) {
                    v += row[j] * p[i * d + j];
                }
                g.put(c * d + i, (float) v);
            }
        }
    }

    // ------------------------------------------------------------------ checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        s.put("passes", HostTensor.of(new double[] {passes}, 1));
        if (projection != null) {
            s.put("projection", HostTensor.of(projection.clone(), projection.length));
        }
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        passes = (long) s.get("passes").item();
        projection = s.containsKey("projection") ? s.get("projection").toDoubles().clone() : null;
    }
}
