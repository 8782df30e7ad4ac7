package dev.cggm.onnx.models;

/** What an architecture's graphs offer; methods state which ones they need. */
public enum ModelFeature {
    /** A fused output over all modalities (the {@code output} a joint model is trained on). */
    FUSED_OUTPUT,
    /** One classifier per modality on the detached encoder output, with its own loss (CGGM's). */
    AUXILIARY_CLASSIFIERS,
    /** Per-modality outputs of the model itself: unimodal logits of a concat head, or per-modality heads. */
    UNIMODAL_OUTPUTS,
    /** A pooled feature vector per modality ({@link ModelGraph#embedding}). */
    EMBEDDINGS,
    /** Inputs of the head's linear layers ({@link ModelGraph#layerInput}). */
    LAYER_INPUTS
}
