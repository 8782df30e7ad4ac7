package dev.cggm.onnx.artifacts;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.models.Architecture;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.onnx.models.DropoutMask;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LayerSpec;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.ParameterSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a training-artifact directory for a model configuration:
 * {@code training_model.onnx} (forward + backward of the weighted sum of the loss terms,
 * gradients as {@code grad/<p>} outputs), {@code eval_model.onnx} (dropout off),
 * {@code inference_model.onnx} (parameters baked in, classifiers removed),
 * {@code checkpoint.safetensors} and {@code artifacts.json}.
 */
public final class TrainingArtifacts {
    public static final String TRAINING_MODEL = "training_model.onnx";
    public static final String EVAL_MODEL = "eval_model.onnx";
    public static final String INFERENCE_MODEL = "inference_model.onnx";
    public static final String CHECKPOINT = "checkpoint.safetensors";

    private TrainingArtifacts() {
    }

    /**
     * What to write: a model configuration, what the balancing method adds to its graphs, the
     * initialisation seed and whether training uses dropout.
     */
    public record Spec(String preset, ArchitectureConfig model, GraphExtension extension, long seed, boolean dropout) {
        public Spec(String preset, ArchitectureConfig model, long seed, boolean dropout) {
            this(preset, model, GraphExtension.NONE, seed, dropout);
        }
    }

    /** The three graphs of one configuration, with what the manifest records about them. */
    public record Graphs(Graph training, Graph eval, Graph inference, List<ParameterSpec> parameters,
                         List<DropoutMask> dropoutMasks, List<LayerSpec> layers, List<LossTerm> lossTerms,
                         List<ModelGraph.MethodInput> methodInputs, ArtifactManifest.OutputSection outputs) {
    }

    /**
     * Builds the graphs in memory. The training graph differentiates Σ w·term over the loss terms
     * (the task loss and every classifier loss, plus what the method adds), each weight a scalar
     * input; detachment keeps each gradient to its own loss.
     */
    public static Graphs build(Spec spec) {
        Architecture arch = Architectures.of(spec.model());
        ModelGraph forward = arch.build(spec.model(), ModelGraph.Variant.TRAINING, DType.FLOAT, spec.dropout(), spec.seed());
        spec.extension().extend(forward);
        Graph forwardGraph = forward.finish();
        Map<String, String> seeds = new LinkedHashMap<>();
        for (LossTerm t : forward.lossTerms()) {
            String weight = ModelIO.lossWeight(t.name());
            forwardGraph.addInput(weight, TensorType.of(DType.FLOAT, new long[0]));
            seeds.put(t.name(), weight);
        }
        List<ParameterSpec> parameters = forward.scope().parameters();
        Graph training = Autodiff.differentiate(forwardGraph, seeds, parameters.stream().map(ParameterSpec::name).toList());
        training.setName(arch.id().replace('-', '_') + "_training");

        ModelGraph evalModel = arch.build(spec.model(), ModelGraph.Variant.EVAL, DType.FLOAT, false, spec.seed());
        spec.extension().extend(evalModel);
        Graph eval = evalModel.finish();
        eval.setName(arch.id().replace('-', '_') + "_eval");

        Graph inference = inferenceGraph(spec.model(), spec.extension(), parametersOf(parameters));
        return new Graphs(training, eval, inference, parameters, forward.scope().dropoutMasks(), forward.layers(),
                forward.lossTerms(), forward.methodInputs(), outputs(spec.model(), evalModel));
    }

    /** Writes the directory ({@code dir} must be absent or empty) and returns its manifest. */
    public static ArtifactManifest write(Path dir, Spec spec) throws IOException {
        return write(dir, spec, build(spec));
    }

    /** Writes graphs already {@linkplain #build built} from {@code spec}. */
    public static ArtifactManifest write(Path dir, Spec spec, Graphs g) throws IOException {
        if (Files.exists(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("output directory " + dir + " is not empty; choose a new --out or remove it");
                }
            }
        }
        Files.createDirectories(dir);
        OnnxModels.save(g.training(), dir.resolve(TRAINING_MODEL));
        OnnxModels.save(g.eval(), dir.resolve(EVAL_MODEL));
        OnnxModels.save(g.inference(), dir.resolve(INFERENCE_MODEL));
        writeCheckpoint(dir.resolve(CHECKPOINT), g.parameters(),
                Map.of("format", "cggm-checkpoint", "seed", Long.toString(spec.seed())));
        ArtifactManifest manifest = manifest(spec, g);
        manifest.write(dir);
        return manifest;
    }

    /** {@link #write(Path, Spec)} for a model without a method's additions. */
    public static ArtifactManifest write(Path dir, String preset, ArchitectureConfig model, long seed, boolean dropout)
            throws IOException {
        return write(dir, new Spec(preset, model, seed, dropout));
    }

    /**
     * Writes an inference model (data in, the prediction out — the method's rule where it has
     * one; classifiers removed) with the given parameter values baked in: how a trained model is
     * exported.
     */
    public static void writeInferenceModel(ArchitectureConfig model, GraphExtension extension,
                                           Map<String, SafeTensors.Entry> values, Path file) throws IOException {
        Map<String, TensorProto> bound = new LinkedHashMap<>();
        values.forEach((name, v) -> bound.put(name, Tensors.floats(name, v.shape(), v.data())));
        OnnxModels.save(inferenceGraph(model, extension, bound), file);
    }

    private static Graph inferenceGraph(ArchitectureConfig model, GraphExtension extension, Map<String, TensorProto> values)
            throws IllegalArgumentException {
        Architecture arch = Architectures.of(model);
        ModelGraph inf = arch.build(model, ModelGraph.Variant.INFERENCE, DType.FLOAT, false, 0);
        extension.extend(inf);
        Graph g = inf.finish();
        Map<String, TensorProto> bound = new LinkedHashMap<>();
        for (ParameterSpec p : inf.scope().parameters()) {
            TensorProto v = values.get(p.name());
            if (v == null) {
                throw new IllegalArgumentException("cannot export: no value for parameter '" + p.name() + "'");
            }
            bound.put(p.name(), v);
        }
        g.bindInputs(bound);
        g.setName(arch.id().replace('-', '_') + "_inference");
        return g;
    }

    private static Map<String, TensorProto> parametersOf(List<ParameterSpec> params) {
        Map<String, TensorProto> values = new LinkedHashMap<>();
        for (ParameterSpec p : params) {
            values.put(p.name(), Tensors.floats(p.name(), p.shape(), p.initial()));
        }
        return values;
    }

    /** Writes parameter values (declaration order) as a safetensors checkpoint. */
    public static void writeCheckpoint(Path file, List<ParameterSpec> params, Map<String, String> metadata) throws IOException {
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (ParameterSpec p : params) {
            tensors.put(p.name(), new SafeTensors.Entry(p.shape(), p.initial()));
        }
        SafeTensors.write(file, tensors, metadata);
    }

    private static ArtifactManifest.OutputSection outputs(ArchitectureConfig model, ModelGraph eval) {
        Map<String, String> clsOut = new LinkedHashMap<>();
        Map<String, String> clsLoss = new LinkedHashMap<>();
        Map<String, String> modOut = new LinkedHashMap<>();
        Map<String, String> modLoss = new LinkedHashMap<>();
        for (String m : model.modalityNames()) {
            if (eval.auxiliaryOutput(m) != null) {
                clsOut.put(m, ModelIO.classifierOutput(m));
                clsLoss.put(m, ModelIO.classifierLoss(m));
            }
            modOut.put(m, eval.modalityOutputName(m));
            modLoss.put(m, eval.modalityLossName(m));
        }
        return new ArtifactManifest.OutputSection(ModelIO.LOSS, ModelIO.OUTPUT, clsOut, clsLoss, modOut, modLoss,
                Autodiff.GRAD_PREFIX);
    }

    /** The manifest describing graphs built by {@link #build}. */
    public static ArtifactManifest manifest(Spec spec, Graphs g) {
        List<ArtifactManifest.TensorSpec> inputs = new ArrayList<>();
        List<String> methodInputs = g.methodInputs().stream().map(ModelGraph.MethodInput::name).toList();
        for (String name : g.eval().inputs()) {
            boolean isParam = g.parameters().stream().anyMatch(p -> p.name().equals(name));
            if (!isParam && !methodInputs.contains(name)) {
                String role = name.equals(ModelIO.LABEL) ? ArtifactManifest.ROLE_LABEL : ArtifactManifest.ROLE_MODALITY;
                inputs.add(spec(name, g.eval().type(name), role, null));
            }
        }
        for (DropoutMask mask : g.dropoutMasks()) {
            inputs.add(spec(mask.name(), mask.type(), ArtifactManifest.ROLE_DROPOUT_MASK, mask.rate()));
        }
        for (LossTerm t : g.lossTerms()) {
            inputs.add(spec(ModelIO.lossWeight(t.name()), TensorType.of(DType.FLOAT, new long[0]), ArtifactManifest.ROLE_LOSS_WEIGHT, null));
        }
        for (ModelGraph.MethodInput in : g.methodInputs()) {
            inputs.add(spec(in.name(), in.type(), ArtifactManifest.ROLE_METHOD, null));
        }
        List<ArtifactManifest.ParameterEntry> params = new ArrayList<>();
        String unreached = g.training().metadata().getOrDefault(Autodiff.UNREACHED_METADATA, "");
        java.util.Set<String> none = java.util.Set.of(unreached.isEmpty() ? new String[0] : unreached.split(","));
        for (ParameterSpec p : g.parameters()) {
            List<Long> shape = new ArrayList<>();
            for (long d : p.shape()) {
                shape.add(d);
            }
            params.add(new ArtifactManifest.ParameterEntry(p.name(), shape, p.group(), none.contains(p.name()) ? true : null));
        }
        Map<String, String> files = new LinkedHashMap<>();
        files.put("training_model", TRAINING_MODEL);
        files.put("eval_model", EVAL_MODEL);
        files.put("inference_model", INFERENCE_MODEL);
        files.put("checkpoint", CHECKPOINT);
        return new ArtifactManifest(ArtifactManifest.FORMAT, ArtifactManifest.VERSION, "cggm " + Version.get(),
                spec.preset(), spec.seed(), spec.dropout(), spec.model(), inputs, params, g.layers(), g.lossTerms(),
                g.outputs(), files);
    }

    private static ArtifactManifest.TensorSpec spec(String name, TensorType t, String role, Double rate) {
        List<Object> shape = new ArrayList<>();
        for (Dim d : t.shape().dims()) {
            shape.add(d.isKnown() ? (Object) d.size() : d.symbol());
        }
        String dtype = t.dtype() == DType.FLOAT ? "float32" : t.dtype().name().toLowerCase();
        return new ArtifactManifest.TensorSpec(name, dtype, shape, role, rate);
    }
}
