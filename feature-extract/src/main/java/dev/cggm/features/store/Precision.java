package dev.cggm.features.store;

import dev.cggm.features.FeatureException;

import java.util.Locale;

/** Storage type of feature values. */
public enum Precision {
    /** IEEE float32 (exactly what the encoder returned). */
    FLOAT32,
    /** IEEE float16 (half the size; round-to-nearest-even from the encoder's float32). */
    FLOAT16;

    public static Precision parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "float16", "fp16", "f16", "half" -> FLOAT16;
            default -> throw new FeatureException("unknown precision '" + s + "': use float32 or float16");
        };
    }

    /** Name in the manifest and field metadata ({@code float32}, {@code float16}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int bytes() {
        return this == FLOAT32 ? 4 : 2;
    }
}
