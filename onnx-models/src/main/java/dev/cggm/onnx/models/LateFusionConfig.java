package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * The late-fusion model ({@code late-fusion}), as BalanceBenchmark builds its baselines: per
 * modality an encoder — a per-position linear map D_m → {@code hidden}, {@code layers}
 * transformer blocks, and the mean over positions — giving a feature h_m; the head is one linear
 * layer over the concatenated features, so each modality's unimodal logits are its slice of the
 * head, z_m = h_m·W_mᵀ + b/M, and the fused output is their sum.
 *
 * @param hidden  width of every modality's feature h_m
 * @param heads   attention heads of the encoder blocks
 * @param layers  transformer blocks per encoder (0: the linear map and the mean only)
 * @param dropout dropout rate of the encoder blocks and of the features before the head
 */
public record LateFusionConfig(List<Modality> modalities, Task task, int outputDim, int hidden, int heads, int layers,
                               double dropout) implements ArchitectureConfig {
    public LateFusionConfig {
        modalities = List.copyOf(modalities);
        if (modalities.isEmpty() || modalities.stream().map(Modality::name).distinct().count() != modalities.size()) {
            throw new IllegalArgumentException("late fusion needs distinct modalities, got " + modalities);
        }
        if (hidden < 4 || heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " must be >= 4 and a multiple of heads " + heads);
        }
        if (layers < 0 || outputDim <= 0 || dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("need layers >= 0, output dim > 0 and dropout in [0, 1)");
        }
    }

    @Override
    @JsonProperty("architecture")
    public String architecture() {
        return LateFusion.ID;
    }

    public Dropouts dropouts() {
        return new Dropouts(dropout, dropout, dropout, dropout, dropout);
    }
}
