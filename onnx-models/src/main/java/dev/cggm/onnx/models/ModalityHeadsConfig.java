package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * The per-modality-heads model ({@code modality-heads}), IGM's architecture: per modality an
 * encoder giving a feature h_m of width {@code hidden} — a linear map of the features' mean over
 * positions — and a head FC(hidden → {@code headWidth}) → ReLU → FC(→ {@code bottleneck}) →
 * FC(→ classes); no fusion network. The fused output is the mean of the heads' softmax. See
 * {@link ModalityHeads}.
 *
 * @param hidden     width of every modality's feature h_m (the same for all, so the heads' layers
 *                   have the same shapes across modalities, which IGM's projection matches on)
 * @param headWidth  width of each head's first layer (256 in IGM)
 * @param bottleneck width of each head's second layer (64 in IGM)
 */
public record ModalityHeadsConfig(List<Modality> modalities, Task task, int outputDim, int hidden, int headWidth,
                                  int bottleneck) implements ArchitectureConfig {
    public ModalityHeadsConfig {
        modalities = List.copyOf(modalities);
        if (modalities.isEmpty() || modalities.stream().map(Modality::name).distinct().count() != modalities.size()) {
            throw new IllegalArgumentException("modality heads need distinct modalities, got " + modalities);
        }
        if (hidden <= 0 || headWidth <= 0 || bottleneck <= 0 || outputDim < 2) {
            throw new IllegalArgumentException("modality heads need positive widths and at least 2 classes, got hidden "
                    + hidden + ", head " + headWidth + ", bottleneck " + bottleneck + ", classes " + outputDim);
        }
    }

    @Override
    @JsonProperty("architecture")
    public String architecture() {
        return ModalityHeads.ID;
    }
}
