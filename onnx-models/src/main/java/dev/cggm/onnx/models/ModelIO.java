package dev.cggm.onnx.models;

/** Names of the model's data inputs and outputs (the training-artifact contract). */
public final class ModelIO {
    /** Class index (int64 [batch]) or target value (float [batch, 1]). */
    public static final String LABEL = "label";
    /** Task loss of the fused model (without any modulation term). */
    public static final String LOSS = "loss";
    /** Fused model output: class scores [batch, C] or prediction [batch, 1]. */
    public static final String OUTPUT = "output";
    public static final String BATCH = "batch";

    private ModelIO() {
    }

    /** Output of modality {@code m}'s classifier (training only). */
    public static String classifierOutput(String m) {
        return "cls_output/" + m;
    }

    /** Loss of modality {@code m}'s classifier (training only). */
    public static String classifierLoss(String m) {
        return "cls_loss/" + m;
    }

    /** A modality's own output from the model (unimodal logits of a concat head, or its head). */
    public static String unimodalOutput(String m) {
        return "unimodal/" + m;
    }

    /** The task loss of {@link #unimodalOutput}. */
    public static String unimodalLoss(String m) {
        return "unimodal_loss/" + m;
    }

    /** The scalar input weighting loss term {@code term} in a training graph's differentiated sum. */
    public static String lossWeight(String term) {
        return "loss_weight/" + term;
    }

    /** A modality's pooled feature, when a method reads it. */
    public static String embedding(String m) {
        return "embedding/" + m;
    }

    /** The input of a linear layer, when a method reads it. */
    public static String layerInput(String layer) {
        return "layer_input/" + layer;
    }

    public static String encoderGroup(String m) {
        return "encoder/" + m;
    }

    public static String projectionGroup(String m) {
        return "projection/" + m;
    }

    public static String classifierGroup(String m) {
        return "classifier/" + m;
    }

    /** The group of a modality's own head (architectures with a head per modality). */
    public static String headGroup(String m) {
        return HEAD_GROUP + "/" + m;
    }

    public static final String FUSION_GROUP = "fusion";
    public static final String HEAD_GROUP = "head";
}
