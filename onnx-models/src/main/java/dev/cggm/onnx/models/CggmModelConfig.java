package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.Tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference CGGM model's architecture ({@code cggm-reference}): per-modality projection to
 * {@code projDim} and transformer encoder ({@code layers} blocks), a fusion encoder
 * ({@code fusionLayers} blocks) over the concatenated sequences in modality order, a residual
 * head reading the fused sequence's first position, and one classifier per modality
 * ({@code classifierLayers} blocks) for the modulation.
 *
 * <p>The order of {@code modalities} is part of the model: the head reads position 0 of the fused
 * sequence, the first position of the first modality (for Food-101 in the official order, image
 * then text, that is the ViT's CLS token).
 *
 * @param faithfulProjection project every modality with the first modality's projection, as the
 *                           official Food-101 code does (its text goes through {@code projv}); the
 *                           other projections stay declared but unused, as {@code projt} there
 */
public record CggmModelConfig(
        List<Modality> modalities,
        Task task,
        int outputDim,
        int projDim,
        int heads,
        int layers,
        int fusionLayers,
        int classifierLayers,
        Dropouts dropouts,
        boolean faithfulProjection) implements ArchitectureConfig {

    public CggmModelConfig {
        modalities = List.copyOf(modalities);
        if (modalities.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one modality");
        }
        if (modalities.stream().map(Modality::name).distinct().count() != modalities.size()) {
            throw new IllegalArgumentException("modality names must be distinct: " + modalities);
        }
        if (projDim <= 0 || heads <= 0 || projDim % heads != 0) {
            throw new IllegalArgumentException("proj_dim " + projDim + " must be a positive multiple of heads " + heads);
        }
        if (projDim < 4) {
            throw new IllegalArgumentException("proj_dim must be at least 4 (sinusoidal positions), got " + projDim);
        }
        if (layers < 0 || fusionLayers < 0 || classifierLayers < 0) {
            throw new IllegalArgumentException("layer counts must be >= 0");
        }
        if (outputDim <= 0 || (task == Tasks.REGRESSION && outputDim != 1)) {
            throw new IllegalArgumentException("output dim must be > 0 (1 for regression), got " + outputDim);
        }
        Modality first = modalities.get(0);
        if (faithfulProjection && modalities.stream().anyMatch(m -> m.inputDim() != first.inputDim())) {
            throw new IllegalArgumentException("the faithful projection projects every modality with the "
                    + first.name() + " projection, so all need its width " + first.inputDim()
                    + "; the modalities have " + modalities.stream().map(m -> m.name() + " " + m.inputDim()).toList());
        }
    }

    /** The reference's configuration without the projection slip. */
    public CggmModelConfig(List<Modality> modalities, Task task, int outputDim, int projDim, int heads, int layers,
                           int fusionLayers, int classifierLayers, Dropouts dropouts) {
        this(modalities, task, outputDim, projDim, heads, layers, fusionLayers, classifierLayers, dropouts, false);
    }

    @Override
    @JsonProperty("architecture")
    public String architecture() {
        return CggmModel.ID;
    }

    /** A copy with one modality's input width and sequence length replaced. */
    public CggmModelConfig withModality(String name, int inputDim, int seqLen) {
        modality(name);
        List<Modality> ms = new ArrayList<>();
        for (Modality m : modalities) {
            ms.add(m.name().equals(name) ? new Modality(name, inputDim, seqLen) : m);
        }
        return withModalities(ms);
    }

    /** A copy with different modalities (names, widths, lengths). */
    public CggmModelConfig withModalities(List<Modality> ms) {
        return new CggmModelConfig(ms, task, outputDim, projDim, heads, layers, fusionLayers, classifierLayers, dropouts,
                faithfulProjection);
    }

    public CggmModelConfig withOutputDim(int dim) {
        return new CggmModelConfig(modalities, task, dim, projDim, heads, layers, fusionLayers, classifierLayers, dropouts,
                faithfulProjection);
    }

    public CggmModelConfig withDropouts(Dropouts d) {
        return new CggmModelConfig(modalities, task, outputDim, projDim, heads, layers, fusionLayers, classifierLayers, d,
                faithfulProjection);
    }

    /** A copy with the official code's projection slip on or off. */
    public CggmModelConfig withFaithfulProjection(boolean on) {
        return new CggmModelConfig(modalities, task, outputDim, projDim, heads, layers, fusionLayers, classifierLayers,
                dropouts, on);
    }
}
