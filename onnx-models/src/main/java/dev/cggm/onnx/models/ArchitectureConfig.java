package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * An architecture's full configuration (the {@code model} section of {@code artifacts.json}):
 * enough to rebuild its graphs exactly. Each architecture has its own record; the JSON names the
 * architecture in its {@code architecture} field, and {@link Architectures} registers the types.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "architecture")
public interface ArchitectureConfig {
    /** The architecture's id. */
    @JsonProperty("architecture")
    String architecture();

    /** The modalities, in the order the model uses them (e.g. the order of the fused sequence). */
    List<Modality> modalities();

    Task task();

    /** Output width: classes, or 1 for regression. */
    int outputDim();

    /** The modality names in model order. */
    @JsonIgnore
    default List<String> modalityNames() {
        return modalities().stream().map(Modality::name).toList();
    }

    @JsonIgnore
    default int numModalities() {
        return modalities().size();
    }

    /** The modality of this name, or an error listing the model's. */
    default Modality modality(String name) {
        return modalities().stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no modality '" + name + "' in " + modalityNames()));
    }
}
