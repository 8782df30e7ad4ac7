package dev.cggm.train.method;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
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

/**
 * UMT, uni-modal teachers (Du et al., ICML 2023, as BalanceBenchmark runs it), within one run's epoch
 * budget. Teacher stage: the first epochs train every modality on its own unimodal loss only (its
 * encoder and its slice of the head — unimodal models side by side). At the switch the teachers'
 * features h_m of every training row are computed once (eval model) and kept in the method's
 * state; the parameters go back to the run's initial ones, the optimizers and the best model are
 * reset. Student stage: the fused cross-entropy plus λ·Σ_m MSE(h_m, teacher_m[rows]), the teacher
 * features fed as a method input. The run's result is the best student.
 */
public final class UMT implements BalancingMethod, GradientTransform {
    /**
     * Options of {@link UMT}.
     *
     * @param teacherEpochs epochs of the teacher stage; 0 = half the run's epochs
     * @param scaling       λ, the weight of the distillation term
     */
    public record Options(
            @Doc("epochs of the teacher stage before the student trains; 0 = half the run's epochs") int teacherEpochs,
            @Doc("weight lambda of the feature distillation term sum_m MSE(h_m, teacher_m) (>= 0)") double scaling)
            implements MethodOptions {
        public Options {
            InvalidOption.range("teacher_epochs", teacherEpochs, 0, Integer.MAX_VALUE);
            InvalidOption.nonNegative("scaling", scaling);
        }

        /** BalanceBenchmark's λ = 10; teachers for half the run. */
        public static Options defaults(String preset) {
            return new Options(0, 10);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("umt",
            "UMT: unimodal teachers trained first, then the fused model distilling their features",
            Options.class, Options::defaults, List.of(LateFusion.ID),
            java.util.Set.of(ModelFeature.UNIMODAL_OUTPUTS, ModelFeature.EMBEDDINGS), 2, Integer.MAX_VALUE, UMT::new);

    /** The distillation loss term, Σ_m MSE(h_m, teacher_m). */
    static final String DISTILL = "umt/distill";

    static String teacherInput(String modality) {
        return "umt/teacher/" + modality;
    }

    private final Options options;
    private final List<String> modalities;
    private final int teacherEpochs;
    /** Teacher features per modality, [train rows, d_m] row-major; null before the switch. */
    private Map<String, float[]> teachers;

    UMT(Options options, MethodSetup setup) {
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        this.teacherEpochs = options.teacherEpochs() == 0 ? Math.max(1, setup.epochs() / 2) : options.teacherEpochs();
        if (teacherEpochs >= setup.epochs()) {
            throw new InvalidOption("method.teacher_epochs", "umt trains its teachers for " + teacherEpochs
                    + " epoch(s) before the student; the run has only " + setup.epochs() + " epoch(s), it needs at least "
                    + (teacherEpochs + 1));
        }
    }

    /** Epochs of the teacher stage. */
    int teacherEpochs() {
        return teacherEpochs;
    }

    // ------------------------------------------------------------------ the graph

    @Override
    public GraphExtension graph() {
        return UMT::distillation;
    }

    private static void distillation(ModelGraph g) {
        if (g.variant() == ModelGraph.Variant.INFERENCE) {
            return;
        }
        GraphBuilder b = g.b();
        List<Value> terms = new ArrayList<>();
        for (String m : g.modalities()) {
            Value h = g.embedding(m);
            if (g.variant() == ModelGraph.Variant.EVAL) {
                g.addOutput(h, ModelIO.embedding(m));     // what the teachers' features are read from
                continue;
            }
            if (!h.dim(1).isKnown()) {
                throw new GraphException("umt needs a known feature width for modality '" + m + "'");
            }
            Value teacher = g.addMethodInput(teacherInput(m),
                    TensorType.of(h.dtype(), Dim.sym(ModelIO.BATCH), Dim.of(h.dim(1).size())));
            terms.add(b.mseLoss(h, teacher));
        }
        if (g.variant() == ModelGraph.Variant.TRAINING) {
            g.addLossTerm(DISTILL, b.sum(terms), 0.0);
        }
    }

    // ------------------------------------------------------------------ the stages

    private boolean teaching(int epoch) {
        return epoch < teacherEpochs;
    }

    @Override
    public void onEpochStart(RunContext run) {
        if (run.epoch() != teacherEpochs) {
            return;
        }
        teachers = teacherFeatures(run);
        run.restoreParameters(run.initialParameters());
        run.resetOptimizers();
        run.resetBestModel();
        run.log("umt: teachers trained for " + teacherEpochs + " epoch(s); the student starts from the initial "
                + "parameters");
    }

    /** Every training row's features per modality, from the eval model with the teachers' parameters. */
    private Map<String, float[]> teacherFeatures(RunContext run) {
        int n = run.train().size();
        Map<String, float[]> out = new LinkedHashMap<>();
        run.forEachBatch(run.train(), (rows, targets, outputs) -> {
            for (String m : modalities) {
                float[] h = outputs.tensor(ModelIO.embedding(m));
                int d = h.length / rows.length;
                float[] all = out.computeIfAbsent(m, k -> new float[n * d]);
                System.arraycopy(h, 0, all, rows[0] * d, h.length);
            }
        });
        return out;
    }

    @Override
    public StepPlan plan(StepContext step) {
        int[] rows = step.rows();
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        Map<String, Double> weights = new LinkedHashMap<>();
        boolean teach = teaching(step.epoch());
        if (!teach && teachers == null) {
            throw new IllegalStateException("umt: the student stage started without teacher features");
        }
        for (String m : modalities) {
            int d = featureWidth(step, m);
            float[] batch = new float[rows.length * d];
            if (!teach) {
                float[] t = teachers.get(m);
                for (int i = 0; i < rows.length; i++) {
                    System.arraycopy(t, rows[i] * d, batch, i * d, d);
                }
            }
            inputs.put(teacherInput(m), HostTensor.of(batch, rows.length, d));
            weights.put(ModelIO.unimodalLoss(m), teach ? 1.0 : 0.0);
        }
        weights.put(ModelIO.LOSS, teach ? 0.0 : 1.0);
        weights.put(DISTILL, teach ? 0.0 : options.scaling());
        return StepPlan.of(StepPlan.Pass.weighted(teach ? "teachers" : "student", weights)).withInputs(inputs);
    }

    /** The width of a modality's feature: the teacher input's declared width. */
    private static int featureWidth(StepContext step, String m) {
        List<Object> shape = step.roles().methodInputShape(teacherInput(m));
        return ((Number) shape.get(1)).intValue();
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        if (teaching(step.epoch())) {
            return new StepReport(Map.of("stage", 0.0), 0);
        }
        double distill = step.outputs().scalar(DISTILL);
        return new StepReport(Map.of("stage", 1.0, "distill", distill), options.scaling() * distill);
    }

    // ------------------------------------------------------------------ checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        if (teachers != null) {
            teachers.forEach((m, t) -> s.put("teacher/" + m, HostTensor.of(t.clone(), t.length)));
        }
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        teachers = null;
        for (String m : modalities) {
            HostTensor t = s.get("teacher/" + m);
            if (t != null) {
                if (teachers == null) {
                    teachers = new LinkedHashMap<>();
                }
                teachers.put(m, t.floats().clone());
            }
        }
    }
}
