package dev.cggm.onnx.artifacts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.onnx.models.LayerSpec;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code artifacts.json}: what a training-artifact directory holds — the architecture and its
 * configuration, data inputs (with symbolic dims as strings), parameters with their groups, the
 * roles of the linear layers, the loss terms and their weight inputs, output names and files.
 * Written and read with Jackson (snake_case keys); version 1 files (before architectures had
 * ids and roles) still read.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ArtifactManifest(
        String format,
        int version,
        String producer,
        String preset,
        long seed,
        boolean dropout,
        ArchitectureConfig model,
        List<TensorSpec> inputs,
        List<ParameterEntry> parameters,
        List<LayerSpec> layers,
        List<LossTerm> lossTerms,
        OutputSection outputs,
        Map<String, String> files) {

    public static final String FORMAT = "cggm-training-artifacts";
    /** 2: any architecture (its id in {@code model.architecture}), layer roles, weighted loss terms. */
    public static final int VERSION = 2;
    public static final String FILE = "artifacts.json";

    /** Input roles. */
    public static final String ROLE_MODALITY = "modality";
    public static final String ROLE_LABEL = "label";
    public static final String ROLE_DROPOUT_MASK = "dropout_mask";
    public static final String ROLE_LOSS_WEIGHT = "loss_weight";
    public static final String ROLE_METHOD = "method";

    public ArtifactManifest {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        parameters = parameters == null ? List.of() : List.copyOf(parameters);
        layers = layers == null ? List.of() : List.copyOf(layers);
        lossTerms = lossTerms == null ? List.of() : List.copyOf(lossTerms);
    }

    /**
     * A graph input: name, element type, shape (ints, or strings for symbolic dims), role
     * ({@code modality}, {@code label}, {@code dropout_mask}, {@code loss_weight} or
     * {@code method}: an input a balancing method feeds) and, for dropout masks, the rate.
     */
    public record TensorSpec(String name, String dtype, List<Object> shape, String role, Double rate) {
        public TensorSpec(String name, String dtype, List<Object> shape, String role) {
            this(name, dtype, shape, role, null);
        }
    }

    /**
     * A parameter: name, shape, group, and {@code unreached} = true when no loss term depends on
     * it (its gradient is zero by construction; trainers leave it alone, as PyTorch does a
     * parameter without a gradient — e.g. the projection the official Food-101 code never uses).
     */
    public record ParameterEntry(String name, List<Long> shape, String group, Boolean unreached) {
        public ParameterEntry(String name, List<Long> shape, String group) {
            this(name, shape, group, null);
        }

        /** Whether some loss term depends on this parameter. */
        public boolean reached() {
            return !Boolean.TRUE.equals(unreached);
        }
    }

    /**
     * Output names: the task loss, the model output (the prediction in eval and inference
     * models), each modality's auxiliary classifier output and loss (when the architecture has
     * them), each modality's own output and loss (its unimodal output, or else its auxiliary
     * classifier's), and the prefix of gradient outputs.
     */
    public record OutputSection(
            String loss,
            String output,
            Map<String, String> classifierOutputs,
            Map<String, String> classifierLosses,
            Map<String, String> modalityOutputs,
            Map<String, String> modalityLosses,
            String gradientPrefix) {
        public OutputSection {
            classifierOutputs = classifierOutputs == null ? Map.of() : classifierOutputs;
            classifierLosses = classifierLosses == null ? Map.of() : classifierLosses;
            // version 1 manifests: the classifiers were each modality's own outputs
            modalityOutputs = modalityOutputs == null ? classifierOutputs : modalityOutputs;
            modalityLosses = modalityLosses == null ? classifierLosses : modalityLosses;
        }
    }

    /** The inputs of one role, in order. */
    public List<TensorSpec> inputs(String role) {
        return inputs.stream().filter(i -> role.equals(i.role())).toList();
    }

    public static ObjectMapper mapper() {
        return Architectures.registerConfigTypes(new ObjectMapper())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        mapper().writeValue(tmp.toFile(), this);
        Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads {@code dir/artifacts.json}, checking the format id and version. */
    public static ArtifactManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "not a training-artifact directory (no " + FILE + "); create one with ./cggm artifacts");
        }
        ArtifactManifest m;
        try {
            m = mapper().readValue(file.toFile(), ArtifactManifest.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not readable (" + JsonErrors.describe(e) + "); write the artifact "
                    + "directory again with ./cggm artifacts", e);
        }
        if (!FORMAT.equals(m.format()) || m.version() < 1 || m.version() > VERSION) {
            throw new IOException(file + " has format '" + m.format() + "' version " + m.version()
                    + "; this build reads '" + FORMAT + "' versions 1 to " + VERSION);
        }
        if (m.version() == 1) {
            // version 1 predates layer roles: the architecture (always cggm-reference then) lists them
            var layers = Architectures.of(m.model()).build(m.model(), ModelGraph.Variant.EVAL,
                    dev.cggm.onnx.graph.DType.FLOAT, false, 0).layers();
            m = new ArtifactManifest(m.format(), m.version(), m.producer(), m.preset(), m.seed(), m.dropout(), m.model(),
                    m.inputs(), m.parameters(), layers, m.lossTerms(), m.outputs(), m.files());
        }
        for (Map.Entry<String, String> f : m.files() == null ? Map.<String, String>of().entrySet() : m.files().entrySet()) {
            if (ContainedPaths.resolve(dir, f.getValue()) == null) {
                throw new IOException(file + " names its " + f.getKey() + " file '" + f.getValue() + "', which is "
                        + "outside " + dir + "; the artifact directory is damaged: write it again with ./cggm artifacts");
            }
        }
        return m;
    }

    /** The architecture configuration ({@code model} section). */
    public ArchitectureConfig config() {
        return model;
    }
}
