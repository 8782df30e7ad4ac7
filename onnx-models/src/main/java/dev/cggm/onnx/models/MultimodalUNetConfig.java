package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * The multimodal U-Net ({@code multimodal-unet}): one image [H, W] per modality (a store's
 * modality of sequence length H and width W, e.g. a 160×160 MRI slice), a U-Net encoder per
 * modality, one shared decoder over their concatenated features with skip connections, and one
 * auxiliary decoder per modality on its detached features (see {@link MultimodalUNet}).
 *
 * @param widths  channels of each encoder level, finest first (level l works at H/2^l × W/2^l)
 * @param convs   3×3 convolutions per block (each followed by group norm and ReLU)
 * @param groups  group-norm groups (fewer where a block has fewer channels, always a divisor)
 * @param dropout dropout of each modality's bottleneck features (before either decoder reads them)
 */
public record MultimodalUNetConfig(List<Modality> modalities, Task task, int outputDim, List<Integer> widths, int convs,
                                   int groups, double dropout) implements ArchitectureConfig {
    public MultimodalUNetConfig {
        modalities = List.copyOf(modalities);
        widths = List.copyOf(widths);
        if (modalities.isEmpty() || modalities.stream().map(Modality::name).distinct().count() != modalities.size()) {
            throw new IllegalArgumentException("the multimodal U-Net needs distinct modalities, got " + modalities);
        }
        Modality first = modalities.get(0);
        for (Modality m : modalities) {
            if (m.seqLen() != first.seqLen() || m.inputDim() != first.inputDim()) {
                throw new IllegalArgumentException("the multimodal U-Net needs every modality of one image size; '"
                        + first.name() + "' is " + first.seqLen() + "x" + first.inputDim() + ", '" + m.name() + "' is "
                        + m.seqLen() + "x" + m.inputDim());
            }
        }
        if (widths.isEmpty() || widths.stream().anyMatch(w -> w == null || w <= 0)) {
            throw new IllegalArgumentException("widths must be positive channel counts, got " + widths);
        }
        int scale = 1 << (widths.size() - 1);
        if (first.seqLen() == 0 || first.seqLen() % scale != 0 || first.inputDim() % scale != 0) {
            throw new IllegalArgumentException("images of " + first.seqLen() + "x" + first.inputDim() + " cannot pass "
                    + (widths.size() - 1) + " halvings; both sides must be multiples of " + scale);
        }
        if (convs <= 0 || groups <= 0 || outputDim < 2 || dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("need convs > 0, groups > 0, at least 2 classes and dropout in [0, 1)");
        }
    }

    @Override
    @JsonProperty("architecture")
    public String architecture() {
        return MultimodalUNet.ID;
    }

    /** Image height (every modality's). */
    @JsonIgnore
    public int height() {
        return modalities.get(0).seqLen();
    }

    /** Image width. */
    @JsonIgnore
    public int width() {
        return modalities.get(0).inputDim();
    }

    /** Encoder levels. */
    @JsonIgnore
    public int levels() {
        return widths.size();
    }

    /** Group-norm groups for a block of {@code channels}: the largest divisor not above {@link #groups}. */
    public int groupsFor(int channels) {
        for (int g = Math.min(groups, channels); g > 1; g--) {
            if (channels % g == 0) {
                return g;
            }
        }
        return 1;
    }
}
