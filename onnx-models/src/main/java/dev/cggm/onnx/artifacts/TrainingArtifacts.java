package dev.cggm.onnx.artifacts;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.DropoutMask;
import dev.cggm.onnx.models.Modality;
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
 * {@code training_model.onnx} (forward + backward, gradients as {@code grad/<p>} outputs),
 * {@code eval_model.onnx} (dropout off), {@code inference_model.onnx} (parameters baked in,
 * classifiers removed), {@code checkpoint.safetensors} and {@code artifacts.json}.
 */
public final class TrainingArtifacts {
    public static final String TRAINING_MODEL = "training_model.onnx";
    public static final String EVAL_MODEL = "eval_model.onnx";
    public static final String INFERENCE_MODEL = "inference_model.onnx";
    public static final String CHECKPOINT = "checkpoint.safetensors";

    private TrainingArtifacts() {
    }

    /** The three graphs of one configuration, with the initial parameters and the training graph's dropout masks. */
    public record Graphs(Graph training, Graph eval, Graph inference, List<ParameterSpec> parameters,
                         List<DropoutMask> dropoutMasks) {
    }

    /**
     * Builds the graphs in memory. The training graph differentiates the task loss and every
     * classifier loss together; detachment keeps each gradient to its own loss.
     */
    public static Graphs build(CggmModelConfig cfg, long seed, boolean dropout) {
        CggmModel.Built forward = CggmModel.build(cfg, CggmModel.Variant.TRAINING, DType.FLOAT, dropout, seed);
        List<String> seeds = new ArrayList<>();
        seeds.add(ModelIO.LOSS);
        for (Modality m : cfg.modalities()) {
            seeds.add(ModelIO.classifierLoss(m.name()));
        }
        List<String> params = forward.parameters().stream().map(ParameterSpec::name).toList();
        Graph training = Autodiff.differentiate(forward.graph(), seeds, params);
        training.setName("cggm_training");

        Graph eval = CggmModel.build(cfg, CggmModel.Variant.TRAINING, DType.FLOAT, false, seed).graph();
        eval.setName("cggm_eval");

        CggmModel.Built inf = CggmModel.build(cfg, CggmModel.Variant.INFERENCE, DType.FLOAT, false, seed);
        Map<String, TensorProto> values = new LinkedHashMap<>();
        for (ParameterSpec p : inf.parameters()) {
            values.put(p.name(), Tensors.floats(p.name(), p.shape(), p.initial()));
        }
        Graph inference = inf.graph();
        inference.bindInputs(values);
        return new Graphs(training, eval, inference, forward.parameters(), forward.dropoutMasks());
    }

    /** Writes the directory ({@code dir} must be absent or empty) and returns its manifest. */
    public static ArtifactManifest write(Path dir, String preset, CggmModelConfig cfg, long seed, boolean dropout)
            throws IOException {
        if (Files.exists(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException("output directory " + dir + " is not empty; choose a new --out or remove it");
                }
            }
        }
        Files.createDirectories(dir);
        Graphs g = build(cfg, seed, dropout);
        OnnxModels.save(g.training(), dir.resolve(TRAINING_MODEL));
        OnnxModels.save(g.eval(), dir.resolve(EVAL_MODEL));
        OnnxModels.save(g.inference(), dir.resolve(INFERENCE_MODEL));
        writeCheckpoint(dir.resolve(CHECKPOINT), g.parameters(), Map.of("format", "cggm-checkpoint", "seed", Long.toString(seed)));
        ArtifactManifest manifest = manifest(preset, cfg, seed, dropout, g);
        manifest.write(dir);
        return manifest;
    }

    /**
     * Writes an inference model (classifiers removed) with the given parameter values baked in —
     * how a trained model is exported.
     */
    public static void writeInferenceModel(CggmModelConfig cfg, Map<String, SafeTensors.Entry> values, Path file)
            throws IOException {
        CggmModel.Built inf = CggmModel.build(cfg, CggmModel.Variant.INFERENCE, DType.FLOAT, false, 0);
        Map<String, TensorProto> bound = new LinkedHashMap<>();
        for (ParameterSpec p : inf.parameters()) {
            SafeTensors.Entry v = values.get(p.name());
            if (v == null) {
                throw new IOException("cannot export: no value for parameter '" + p.name() + "'");
            }
            bound.put(p.name(), Tensors.floats(p.name(), v.shape(), v.data()));
        }
        Graph g = inf.graph();
        g.bindInputs(bound);
        OnnxModels.save(g, file);
    }

    /** Writes parameter values (declaration order) as a safetensors checkpoint. */
    public static void writeCheckpoint(Path file, List<ParameterSpec> params, Map<String, String> metadata) throws IOException {
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (ParameterSpec p : params) {
            tensors.put(p.name(), new SafeTensors.Entry(p.shape(), p.initial()));
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /** The manifest describing graphs built by {@link #build}. */
    public static ArtifactManifest manifest(String preset, CggmModelConfig cfg, long seed, boolean dropout, Graphs g) {
        List<ArtifactManifest.TensorSpec> inputs = new ArrayList<>();
        for (String name : g.eval().inputs()) {
            boolean isParam = g.parameters().stream().anyMatch(p -> p.name().equals(name));
            if (!isParam) {
                String role = name.equals(ModelIO.LABEL) ? "label" : "modality";
                inputs.add(spec(name, g.eval().type(name), role, null));
            }
        }
        for (DropoutMask mask : g.dropoutMasks()) {
            inputs.add(spec(mask.name(), mask.type(), "dropout_mask", mask.rate()));
        }
        List<ArtifactManifest.ParameterEntry> params = new ArrayList<>();
        for (ParameterSpec p : g.parameters()) {
            List<Long> shape = new ArrayList<>();
            for (long d : p.shape()) {
                shape.add(d);
            }
            params.add(new ArtifactManifest.ParameterEntry(p.name(), shape, p.group()));
        }
        Map<String, String> clsOut = new LinkedHashMap<>();
        Map<String, String> clsLoss = new LinkedHashMap<>();
        for (Modality m : cfg.modalities()) {
            clsOut.put(m.name(), ModelIO.classifierOutput(m.name()));
            clsLoss.put(m.name(), ModelIO.classifierLoss(m.name()));
        }
        Map<String, String> files = new LinkedHashMap<>();
        files.put("training_model", TRAINING_MODEL);
        files.put("eval_model", EVAL_MODEL);
        files.put("inference_model", INFERENCE_MODEL);
        files.put("checkpoint", CHECKPOINT);
        return new ArtifactManifest(ArtifactManifest.FORMAT, ArtifactManifest.VERSION, "cggm " + Version.get(),
                preset, seed, dropout, ArtifactManifest.ModelSection.of(cfg), inputs, params,
                new ArtifactManifest.OutputSection(ModelIO.LOSS, ModelIO.OUTPUT, clsOut, clsLoss, Autodiff.GRAD_PREFIX),
                files);
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
