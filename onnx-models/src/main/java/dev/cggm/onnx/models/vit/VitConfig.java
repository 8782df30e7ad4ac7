package dev.cggm.onnx.models.vit;

/**
 * Shape of a ViT encoder in HuggingFace's {@code ViTModel} terms.
 *
 * @param imageSize    input height and width (square)
 * @param patchSize    patch height and width; {@code imageSize} must be a multiple
 * @param channels     input channels (3)
 * @param hidden       hidden size D
 * @param layers       transformer blocks
 * @param heads        attention heads (D must be divisible)
 * @param intermediate MLP width
 * @param layerNormEps LayerNorm epsilon (HF ViT: 1e-12)
 */
public record VitConfig(int imageSize, int patchSize, int channels, int hidden, int layers, int heads,
                        int intermediate, double layerNormEps) {
    public VitConfig {
        if (imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " must be a positive multiple of patch size "
                    + patchSize);
        }
        if (channels <= 0 || hidden <= 0 || layers < 0 || heads <= 0 || intermediate <= 0) {
            throw new IllegalArgumentException("channels, hidden, heads and intermediate must be > 0, layers >= 0");
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not divisible by " + heads + " heads");
        }
    }

    /**
     * The project's default image encoder: 64×64 input, 16×16 patches (16 patches + CLS = 17
     * positions), D = 192, 4 blocks of 3 heads, MLP 768. About 1.9 M parameters; a batch of 64
     * takes a few tens of milliseconds on 2 cores.
     */
    public static VitConfig tiny() {
        return new VitConfig(64, 16, 3, 192, 4, 3, 768, 1e-12);
    }

    /** Patches per side. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Number of patches. */
    public int patches() {
        return grid() * grid();
    }

    /** Positions in {@code last_hidden_state}: CLS plus patches. */
    public int sequenceLength() {
        return patches() + 1;
    }

    public int headDim() {
        return hidden / heads;
    }
}
