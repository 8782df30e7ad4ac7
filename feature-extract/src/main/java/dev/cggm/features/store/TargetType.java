package dev.cggm.features.store;

import dev.cggm.features.FeatureException;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

import java.util.Locale;

/** Element type of a store's target column. */
public enum TargetType {
    /** Class indices (classification; segmentation masks of many classes). */
    INT64(new ArrowType.Int(64, true)),
    /** Real values (regression). */
    FLOAT32(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
    /** Small class indices (segmentation masks). */
    UINT8(new ArrowType.Int(8, false));

    private final ArrowType arrow;

    TargetType(ArrowType arrow) {
        this.arrow = arrow;
    }

    /** The Arrow type of one value. */
    public ArrowType arrowType() {
        return arrow;
    }

    /** Name in the manifest ({@code int64}, {@code float32}, {@code uint8}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TargetType parse(String s) {
        for (TargetType t : values()) {
            if (t.id().equals(s)) {
                return t;
            }
        }
        throw new FeatureException("unknown target dtype '" + s + "' in the store manifest (this build knows int64, "
                + "float32, uint8)");
    }
}
