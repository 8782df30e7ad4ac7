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

    public static String encoderGroup(String m) {
        return "encoder/" + m;
    }

    public static String projectionGroup(String m) {
        return "projection/" + m;
    }

    public static String classifierGroup(String m) {
        return "classifier/" + m;
    }

    public static final String FUSION_GROUP = "fusion";
    public static final String HEAD_GROUP = "head";
    /** The fused model's output layer weight (CGGM's direction term reads it). */
    public static final String FUSION_OUT_WEIGHT = "out_layer.weight";

    /** Modality {@code m}'s classifier output-layer weight. */
    public static String classifierOutWeight(int modalityIndex) {
        return "classifers." + modalityIndex + ".out_layer.weight";
    }
}
