package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a linear layer is for, as recorded in {@code artifacts.json}. */
public enum LayerRole {
    /** The fused model's output layer (CGGM's direction term compares it with the classifiers'). */
    HEAD_OUT,
    /** Another layer of a head (a per-modality head's layers carry their modality). */
    HEAD,
    /** The output layer of a modality's auxiliary classifier. */
    AUXILIARY_OUT,
    /** A linear layer of a modality's encoder. */
    ENCODER;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static LayerRole of(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
