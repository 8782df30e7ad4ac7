package dev.cggm.features.pipeline;

import dev.cggm.features.store.FeatureVectors;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.complex.FixedSizeListVector;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * How one modality's encoder output [batch, L, D] becomes a feature column: pooled or not, and
 * stored as float32 or float16. Float32 full sequences are written by ONNX Runtime straight into
 * the column's Arrow buffer ({@link #directTarget}); every other case converts from the encoder's
 * output buffer ({@link #fill}).
 */
final class FeatureColumn {
    final String name;
    final int seqLen;
    final int hidden;
    final Pooling pooling;
    final Precision precision;

    FeatureColumn(String name, int seqLen, int hidden, Pooling pooling, Precision precision) {
        this.name = name;
        this.seqLen = seqLen;
        this.hidden = hidden;
        this.pooling = pooling;
        this.precision = precision;
    }

    /** Values per row. */
    int width() {
        return pooling == Pooling.NONE ? seqLen * hidden : hidden;
    }

    boolean writesDirectly() {
        return pooling == Pooling.NONE && precision == Precision.FLOAT32;
    }

    /** The column's data buffer for {@code rows} rows as a float view (only when {@link #writesDirectly()}). */
    FloatBuffer directTarget(FixedSizeListVector v, int rows) {
        ArrowBuf data = v.getDataVector().getDataBuffer();
        return data.nioBuffer(0, 4 * rows * width()).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * Writes pooled/converted rows from the encoder output {@code out} ([rows, L, D] row-major);
     * {@code lengths[i]} real positions of row i (mean pooling averages over them).
     */
    void fill(FixedSizeListVector v, FloatBuffer out, int rows, int[] lengths) {
        int w = width();
        float[] row = new float[w];
        for (int r = 0; r < rows; r++) {
            int base = r * seqLen * hidden;
            switch (pooling) {
                case NONE -> out.get(base, row, 0, w);
                case CLS -> out.get(base, row, 0, hidden);
                case MEAN -> {
                    java.util.Arrays.fill(row, 0f);
                    int n = Math.max(1, Math.min(lengths[r], seqLen));
                    for (int p = 0; p < n; p++) {
                        int o = base + p * hidden;
                        for (int d = 0; d < hidden; d++) {
                            row[d] += out.get(o + d);
                        }
                    }
                    for (int d = 0; d < hidden; d++) {
                        row[d] /= n;
                    }
                }
                default -> throw new IllegalStateException();
            }
            FeatureVectors.writeRow(v, r, row, precision);
        }
    }
}
