package dev.cggm.train.method.igm;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LayerRole;
import dev.cggm.onnx.models.LayerSpec;
import dev.cggm.onnx.models.ModalityHeads;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.method.BalancingMethod;
import dev.cggm.train.method.GradientBuffers;
import dev.cggm.train.method.GradientTransform;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.MethodSetup;
import dev.cggm.train.method.RunContext;
import dev.cggm.train.method.StepContext;
import dev.cggm.train.method.StepOutputs;
import dev.cggm.train.method.StepPlan;
import dev.cggm.train.method.StepReport;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Interactive multimodal learning via flat gradient modification (IGM; Jiang et al., IJCAI
 * 2025), on the {@code modality-heads} architecture:
 * <ol>
 *   <li><b>Stages.</b> The modalities are trained one at a time, in stages that cycle through
 *       them ({@link IgmStages}); only the current modality's encoder and head get a loss and are
 *       updated. At each stage start after the first, the best model so far (on validation) is
 *       reloaded and the optimizer re-created.</li>
 *   <li><b>Projection.</b> Also at that start, one pass of the eval model over the training set
 *       accumulates, for every hooked linear layer of the modality just trained, Σ x̄ᵀx̄ of its
 *       batch-mean input x̄, and turns it into P ({@link GradientProjection}). During the stage,
 *       every hooked layer of the current modality whose weight has the shape of a hooked layer
 *       of the previous one gets g ← g·P (for each such layer, in model order, as the official
 *       code loops).</li>
 *   <li><b>Flat step.</b> The gradient g of the mixup loss moves the trained parameters by
 *       ρ·g/‖g‖ (per tensor; ρ for the encoder, ρ_head for the head); the loss at the moved
 *       parameters with the original labels, L_flat, is differentiated by a second run; the step
 *       descends (1 − f)·L_mixup + f·L_flat. {@code faithful} leaves the parameters moved (the
 *       official code never reverts, and its ρ ≈ 0 makes the move vanish in float), {@code sam}
 *       restores them.</li>
 *   <li><b>Mixup</b> of the trained modality's input ({@link Mixup}), λ and π drawn from the
 *       step's deterministic random source; the loss term {@code igm/mixup_loss/<m>} =
 *       λ·CE(z_m, y) + (1 − λ)·CE(z_m, y[π]) reads the second labels and λ as method inputs.</li>
 *   <li><b>Prediction</b>: the mean of the heads' softmax, the architecture's own output.</li>
 * </ol>
 * Best means the run's selection score on the validation split (the official code selects on the
 * test split; we keep validation and test apart). Like the official code, "best" is over the
 * whole run so far, not within the stage that just ended. State for checkpoints: the current
 * stage's matrices P.
 */
public final class Igm implements BalancingMethod, GradientTransform {
    public static final MethodDescriptor<IgmOptions> DESCRIPTOR = new MethodDescriptor<>("igm",
            "interactive multimodal learning via flat gradient modification (Jiang et al., IJCAI 2025)",
            IgmOptions.class, IgmOptions::defaults, List.of(ModalityHeads.ID),
            Set.of(ModelFeature.UNIMODAL_OUTPUTS, ModelFeature.LAYER_INPUTS), 2, Integer.MAX_VALUE, Igm::new);

    /** Method input: the mixup partners' labels y[π]. */
    public static final String SECOND_LABEL = "igm/label_b";
    /** Method input: the mixup weight λ (a scalar). */
    public static final String LAMBDA = "igm/lambda";
    /** The site of the step's random source the mixup draws come from. */
    public static final int MIXUP_SITE = 0;

    private final IgmOptions options;
    private final List<String> modalities;
    /** The schedule; with the default (empty) stage lengths known only once the run's length is ({@link #setup}). */
    private IgmStages stages;
    /** P of each hooked layer of the previous stage's modality, for the stage {@link #projectionStage}. */
    private Map<String, float[]> projections = new LinkedHashMap<>();
    private int projectionStage = -1;
    private GradientBuffers flatGradients;
    /** The mixup weight drawn when this step was planned (reported by the transform). */
    private double stepLambda = Double.NaN;

    public Igm(IgmOptions options, MethodSetup setup) {
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        this.stages = options.stageEpochs().isEmpty() ? null : IgmStages.of(options.stageEpochs(), modalities.size());
    }

    @Override
    public void setup(RunContext run) {
        if (stages == null) {
            stages = IgmStages.auto(run.epochs(), modalities.size());
        }
    }

    /** The loss term of a modality's mixup loss. */
    public static String mixupLoss(String modality) {
        return "igm/mixup_loss/" + modality;
    }

    /** The eval-graph output of a layer's batch-mean input, [1, in]. */
    public static String inputMean(String layer) {
        return "igm/input_mean/" + layer;
    }

    /** The schedule (after {@link #setup} when the stage lengths are the default). */
    public IgmStages stages() {
        if (stages == null) {
            throw new IllegalStateException("the default IGM schedule is known once the run is set up");
        }
        return stages;
    }

    // ------------------------------------------------------------------------------- graphs

    @Override
    public GraphExtension graph() {
        return this::extend;
    }

    private void extend(ModelGraph g) {
        GraphBuilder b = g.b();
        if (g.variant() == ModelGraph.Variant.TRAINING) {
            Value second = g.addMethodInput(SECOND_LABEL, g.task().targetType(Dim.sym(ModelIO.BATCH), g.scope().dtype()));
            Value lambda = g.addMethodInput(LAMBDA, TensorType.of(g.scope().dtype(), new long[0]));
            Value rest = b.sub(b.scalarLike(1.0, lambda), lambda);
            for (String m : g.modalities()) {
                Value z = g.modalityOutput(m);
                Value mixed = b.add(b.mul(g.modalityLoss(m), lambda), b.mul(g.task().loss(b, z, second), rest));
                g.addLossTerm(mixupLoss(m), mixed, 0.0);
            }
        } else if (g.variant() == ModelGraph.Variant.EVAL) {
            for (LayerSpec layer : g.layers()) {
                if (layer.modality() != null && hooks(layer.role())) {
                    g.addOutput(b.reduceMean(g.layerInput(layer.name()), true, 0), inputMean(layer.name()));
                }
            }
        }
    }

    private boolean hooks(LayerRole role) {
        return role == LayerRole.HEAD || (options.projected() == IgmOptions.Projected.ALL && role == LayerRole.ENCODER);
    }

    /** The hooked linear layers of a modality, in model order. */
    List<ModelRoles.Layer> hooked(ModelRoles roles, String modality) {
        List<ModelRoles.Layer> out = new ArrayList<>();
        if (options.projected() == IgmOptions.Projected.ALL) {
            out.addAll(roles.layers(LayerRole.ENCODER, modality));
        }
        out.addAll(roles.layers(LayerRole.HEAD, modality));
        return out;
    }

    /** The parameters a stage of {@code modality} trains: its encoder and its head's layers. */
    static List<ParameterSet.Param> trained(ModelRoles roles, String modality) {
        List<ParameterSet.Param> out = new ArrayList<>(roles.encoder(modality));
        for (ModelRoles.Layer l : roles.layers(LayerRole.HEAD, modality)) {
            out.add(l.weight());
            if (l.bias() != null) {
                out.add(l.bias());
            }
        }
        return out;
    }

    /**
     * The (current layer, previous layer) pairs whose weights have the same shape, in the
     * official loop's order: for each current layer, each matching previous layer.
     */
    static List<ModelRoles.Layer[]> shapeMatches(List<ModelRoles.Layer> current, List<ModelRoles.Layer> previous) {
        List<ModelRoles.Layer[]> out = new ArrayList<>();
        for (ModelRoles.Layer a : current) {
            for (ModelRoles.Layer p : previous) {
                if (java.util.Arrays.equals(a.weight().shape(), p.weight().shape())) {
                    out.add(new ModelRoles.Layer[] {a, p});
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------- stages

    @Override
    public void onEpochStart(RunContext run) {
        IgmStages.Stage stage = stages().at(run.epoch());
        if (!stage.startsAt(run.epoch())) {
            return;
        }
        String current = modalities.get(stage.modality());
        if (stage.index() == 0) {
            projections = new LinkedHashMap<>();
            projectionStage = 0;
            run.log("IGM stage 1: " + current + " for " + stage.length() + " epoch(s)");
            return;
        }
        String previous = previousModality(stage);
        Optional<Map<String, dev.cggm.onnx.artifacts.SafeTensors.Entry>> best = run.bestParameters();
        best.ifPresent(run::restoreParameters);
        projections = projections(run, previous);
        projectionStage = stage.index();
        run.resetOptimizers();
        run.log("IGM stage " + (stage.index() + 1) + ": " + current + " for " + stage.length() + " epoch(s), from the "
                + (best.isPresent() ? "best model so far" : "current model (no best yet)") + ", gradients projected "
                + "away from " + previous + "'s inputs on " + projections.size() + " layer(s)");
    }

    private String previousModality(IgmStages.Stage stage) {
        int m = modalities.size();
        return modalities.get(((stage.modality() - 1) % m + m) % m);
    }

    /** P of every hooked layer of {@code modality}, from one pass of the eval model over the training set. */
    private Map<String, float[]> projections(RunContext run, String modality) {
        List<ModelRoles.Layer> layers = hooked(run.roles(), modality);
        Map<String, GradientProjection.Covariance> cov = new LinkedHashMap<>();
        for (ModelRoles.Layer l : layers) {
            cov.put(l.spec().name(), new GradientProjection.Covariance(l.spec().inFeatures()));
        }
        run.forEachBatch(run.train(), (rows, targets, out) ->
                cov.forEach((name, c) -> c.add(out.tensor(inputMean(name)))));
        Map<String, float[]> p = new LinkedHashMap<>();
        cov.forEach((name, c) -> p.put(name, GradientProjection.matrix(c.matrix(), c.size(), options.tau())));
        return p;
    }

    // ------------------------------------------------------------------------------- steps

    @Override
    public StepPlan plan(StepContext step) {
        IgmStages.Stage stage = stages().at(step.epoch());
        String m = modalities.get(stage.modality());
        int n = step.batchSize();
        Mixup mix = Mixup.draw(step.random(MIXUP_SITE), n, options.mixupAlpha());
        stepLambda = mix.lambda();
        if (options.mixupAlpha() > 0) {
            FloatBuffer f = step.features(m);
            mix.mix(f, n, f.limit() / n);
        }
        Set<String> names = new HashSet<>();
        trained(step.roles(), m).forEach(p -> names.add(p.name()));
        double lr = options.stageLrStep() == 0 ? 1.0
                : Math.pow(options.stageLrGamma(), Math.floor((stage.epochInStage(step.epoch()) + 1.0) / options.stageLrStep()));
        StepPlan.Pass pass = new StepPlan.Pass(m, Map.of(ModelIO.LOSS, 0.0, mixupLoss(m), 1.0),
                p -> names.contains(p.name()), p -> lr);
        return StepPlan.of(pass).withInputs(Map.of(
                SECOND_LABEL, HostTensor.of(mix.secondLabels(step.targets()), n),
                LAMBDA, HostTensor.scalar((float) mix.lambda())));
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        IgmStages.Stage stage = stages().at(step.epoch());
        String m = modalities.get(stage.modality());
        List<ParameterSet.Param> trained = trained(step.roles(), m);
        Set<String> encoder = new HashSet<>();
        step.roles().encoder(m).forEach(p -> encoder.add(p.name()));
        Map<String, Double> metrics = new LinkedHashMap<>();
        double mixupLoss = step.outputs().scalar(mixupLoss(m));
        metrics.put("loss_mixup", mixupLoss);

        double f = options.flatRatio();
        double objective = mixupLoss;
        if (f > 0) {
            float[][] saved = options.flat() == IgmOptions.Flat.SAM ? values(trained) : null;
            perturb(trained, encoder);
            if (flatGradients == null) {
                flatGradients = step.newGradientBuffers();
            }
            StepOutputs flat = step.rerun(Map.of(ModelIO.LOSS, 0.0, ModelIO.unimodalLoss(m), 1.0), flatGradients);
            if (saved != null) {
                for (int k = 0; k < trained.size(); k++) {
                    trained.get(k).value().put(0, saved[k]);
                }
            }
            for (ParameterSet.Param p : trained) {
                FloatBuffer g = p.grad();
                FloatBuffer h = flatGradients.of(p);
                for (int i = 0; i < p.size(); i++) {
                    g.put(i, (float) ((1 - f) * g.get(i) + f * h.get(i)));
                }
            }
            double flatLoss = flat.modalityLoss(m);
            metrics.put("loss_flat", flatLoss);
            objective = (1 - f) * mixupLoss + f * flatLoss;
        }
        metrics.put("objective", objective);

        int projected = 0;
        if (projectionStage == stage.index() && !projections.isEmpty()) {
            String previous = previousModality(stage);
            for (ModelRoles.Layer[] pair : shapeMatches(hooked(step.roles(), m), hooked(step.roles(), previous))) {
                ParameterSet.Param w = pair[0].weight();
                GradientProjection.rightMultiply(w.grad(), (int) w.shape()[0], (int) w.shape()[1],
                        projections.get(pair[1].spec().name()));
                projected++;
            }
        }
        metrics.put("stage", (double) (stage.index() + 1));
        metrics.put("lambda", stepLambda);
        metrics.put("projected", (double) projected);
        return new StepReport(metrics, 0);
    }

    /** θ ← θ + ρ·g/‖g‖ per tensor, in float as the official code computes it; tensors with a zero gradient stay. */
    private void perturb(List<ParameterSet.Param> trained, Set<String> encoder) {
        for (ParameterSet.Param p : trained) {
            float rho = (float) (encoder.contains(p.name()) ? options.flatRho() : options.flatRhoHead());
            if (rho == 0) {
                continue;
            }
            FloatBuffer g = p.grad();
            double sq = 0;
            for (int i = 0; i < p.size(); i++) {
                sq += (double) g.get(i) * g.get(i);
            }
            float norm = (float) Math.sqrt(sq);
            if (!(norm > 0)) {
                continue; // the official code would divide by zero here
            }
            FloatBuffer v = p.value();
            for (int i = 0; i < p.size(); i++) {
                v.put(i, v.get(i) + rho * (g.get(i) / norm));
            }
        }
    }

    private static float[][] values(List<ParameterSet.Param> params) {
        float[][] out = new float[params.size()][];
        for (int k = 0; k < out.length; k++) {
            ParameterSet.Param p = params.get(k);
            out[k] = new float[p.size()];
            p.value().get(0, out[k]);
        }
        return out;
    }

    // ------------------------------------------------------------------------------- state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        s.put("projection_stage", HostTensor.of(new long[] {projectionStage}, 1));
        projections.forEach((layer, p) -> {
            int n = (int) Math.round(Math.sqrt(p.length));
            s.put("projection/" + layer, HostTensor.of(p.clone(), n, n));
        });
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        projectionStage = s.containsKey("projection_stage") ? (int) s.get("projection_stage").longs()[0] : -1;
        projections = new LinkedHashMap<>();
        s.forEach((k, v) -> {
            if (k.startsWith("projection/")) {
                projections.put(k.substring("projection/".length()), v.floats().clone());
            }
        });
    }
}
