package dev.cggm.onnx.artifacts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Dropouts;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.Task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code artifacts.json}: what a training-artifact directory holds — the model configuration,
 * data inputs (with symbolic dims as strings), parameters with their groups, output names and
 * files. Written and read with Jackson (snake_case keys).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ArtifactManifest(
        String format,
        int version,
        String producer,
        String preset,
        long seed,
        boolean dropout,
        ModelSection model,
        List<TensorSpec> inputs,
        List<ParameterEntry> parameters,
        OutputSection outputs,
        Map<String, String> files) {

    public static final String FORMAT = "cggm-training-artifacts";
    public static final int VERSION = 1;
    public static final String FILE = "artifacts.json";

    /**
     * A graph input: name, element type, shape (ints, or strings for symbolic dims), role
     * ({@code modality}, {@code label} or {@code dropout_mask}) and, for dropout masks, the rate.
     */
    public record TensorSpec(String name, String dtype, List<Object> shape, String role, Double rate) {
        public TensorSpec(String name, String dtype, List<Object> shape, String role) {
            this(name, dtype, shape, role, null);
        }
    }

    public record ParameterEntry(String name, List<Long> shape, String group) {
    }

    public record ModalityEntry(String name, int inputDim, int seqLen) {
    }

    public record ModelSection(
            String architecture,
            String task,
            int outputDim,
            int projDim,
            int heads,
            int layers,
            int fusionLayers,
            int classifierLayers,
            Map<String, Double> dropouts,
            List<ModalityEntry> modalities) {

        public static ModelSection of(CggmModelConfig c) {
            Dropouts d = c.dropouts();
            return new ModelSection("cggm-reference", c.task().id(), c.outputDim(), c.projDim(), c.heads(), c.layers(),
                    c.fusionLayers(), c.classifierLayers(),
                    Map.of("embed", d.embed(), "attn", d.attn(), "relu", d.relu(), "res", d.res(), "out", d.out()),
                    c.modalities().stream().map(m -> new ModalityEntry(m.name(), m.inputDim(), m.seqLen())).toList());
        }

        public CggmModelConfig toConfig() {
            return new CggmModelConfig(
                    modalities.stream().map(m -> new Modality(m.name(), m.inputDim(), m.seqLen())).toList(),
                    Task.valueOf(task.toUpperCase()), outputDim, projDim, heads, layers, fusionLayers, classifierLayers,
                    new Dropouts(dropouts.get("embed"), dropouts.get("attn"), dropouts.get("relu"), dropouts.get("res"),
                            dropouts.get("out")));
        }
    }

    /** Output names: task loss, model output, per-modality classifier outputs and losses, gradient prefix. */
    public record OutputSection(
            String loss,
            String output,
            Map<String, String> classifierOutputs,
            Map<String, String> classifierLosses,
            String gradientPrefix) {
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper()
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
        if (!FORMAT.equals(m.format()) || m.version() != VERSION) {
            throw new IOException(file + " has format '" + m.format() + "' version " + m.version()
                    + "; this build reads '" + FORMAT + "' version " + VERSION);
        }
        for (Map.Entry<String, String> f : m.files() == null ? Map.<String, String>of().entrySet() : m.files().entrySet()) {
            if (ContainedPaths.resolve(dir, f.getValue()) == null) {
                throw new IOException(file + " names its " + f.getKey() + " file '" + f.getValue() + "', which is "
                        + "outside " + dir + "; the artifact directory is damaged: write it again with ./cggm artifacts");
            }
        }
        return m;
    }

    public CggmModelConfig config() {
        return model.toConfig();
    }
}
