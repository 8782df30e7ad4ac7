package dev.cggm.train.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How training batches are augmented on the host before each step (validation and test never are). */
public enum Augmentation {
    /** As stored. */
    NONE,
    /**
     * The CGGM code's BraTS training augmentation, per sample: a rotation by k ∈ {0, 1, 2} quarter
     * turns and a flip along one of the two axes (every modality and the label map alike), then with
     * probability 0.1 Gaussian noise of a standard deviation drawn from U(0, 0.1) on every modality
     * ({@link dev.cggm.train.data.SliceAugmenter}). Needs square image modalities and label maps.
     */
    BRATS;

    @JsonValue
    public String id() {
        return Choice.id(this);
    }

    @JsonCreator
    public static Augmentation of(String id) {
        return Choice.parse(Augmentation.class, "", id);
    }
}
