package dev.cggm.features.store;

import dev.cggm.features.FeatureException;

import java.util.Locale;

/** What is stored per sample for a modality. */
public enum Pooling {
    /** The full sequence [L, D] (default; the reference model needs it). */
    NONE,
    /** Position 0 only ([CLS]), [D]. */
    CLS,
    /** Mean over the real (non-padding) positions, [D]. */
    MEAN;

    public static Pooling parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none", "sequence", "full" -> NONE;
            case "cls" -> CLS;
            case "mean" -> MEAN;
            default -> throw new FeatureException("unknown pooling '" + s + "': use none, cls or mean");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
