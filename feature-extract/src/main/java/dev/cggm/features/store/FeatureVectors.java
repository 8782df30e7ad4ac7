package dev.cggm.features.store;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/** Writes feature rows into a feature column's Arrow buffers (allocated for the batch beforehand). */
public final class FeatureVectors {
    private FeatureVectors() {
    }

    /** Stores {@code values} (one row, {@code listSize} values) as row {@code row}, converting to the precision. */
    public static void writeRow(FixedSizeListVector v, int row, float[] values, Precision precision) {
        ArrowBuf data = v.getDataVector().getDataBuffer();
        long off = (long) row * values.length;
        if (precision == Precision.FLOAT32) {
            for (int i = 0; i < values.length; i++) {
                data.setFloat(4 * (off + i), values[i]);
            }
        } else {
            for (int i = 0; i < values.length; i++) {
                data.setShort(2 * (off + i), Float16.toFloat16(values[i]));
            }
        }
    }

    /** Marks {@code rows} lists and all their elements valid (not null). */
    public static void markValid(FixedSizeListVector v, int rows) {
        for (int r = 0; r < rows; r++) {
            v.setNotNull(r);
        }
        long elements = (long) rows * v.getListSize();
        v.getDataVector().getValidityBuffer().setOne(0L, (elements + 7) / 8);
    }
}
