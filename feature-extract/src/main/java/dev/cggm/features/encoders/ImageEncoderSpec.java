package dev.cggm.features.encoders;

import dev.cggm.features.images.PreprocessorConfig;

/**
 * An image encoder to load: a ViT-family ONNX model with the HuggingFace export interface
 * ({@code pixel_values} [B, 3, H, W] → {@code last_hidden_state} [B, L, D]) and, when known, its
 * preprocessing (from {@code preprocessor_config.json}).
 *
 * @param name          short name recorded in the manifest
 * @param model         the ONNX model
 * @param preprocessing the model's own preprocessing, or null when it has none (flags decide)
 * @param pretrained    false for the project's seeded (randomly initialised) ViT
 */
public record ImageEncoderSpec(String name, ModelSource model, PreprocessorConfig preprocessing, boolean pretrained) {
    /**
     * The preprocessing to apply: the encoder's own (or HuggingFace's ViT defaults at 224) with
     * any of size, mean and std overridden (null keeps the encoder's; a size given resizes straight
     * to it, without the encoder's centre crop).
     */
    public PreprocessorConfig preprocessingWith(Integer size, float[] mean, float[] std) {
        PreprocessorConfig base = preprocessing != null ? preprocessing : PreprocessorConfig.vitDefaults(224);
        return new PreprocessorConfig(size != null ? size : base.height(), size != null ? size : base.width(),
                base.rescaleFactor(), mean != null ? mean : base.mean(), std != null ? std : base.std(),
                size != null ? 0 : base.shortestEdge());
    }
}
