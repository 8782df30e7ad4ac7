package dev.cggm.onnx.models;

/** What the model predicts: class scores (cross-entropy) or one real value (L1 loss). */
public enum Task {
    CLASSIFICATION,
    REGRESSION;

    public String id() {
        return name().toLowerCase();
    }
}
