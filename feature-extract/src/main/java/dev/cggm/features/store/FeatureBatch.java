package dev.cggm.features.store;

import dev.cggm.features.FeatureException;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One record batch of a shard, as a view over Arrow memory: valid until the reader moves to the
 * next batch or is closed. Feature rows are flat, row-major [L, D] (or [D] when pooled).
 */
public final class FeatureBatch {
    private final VectorSchemaRoot root;
    private final StoreManifest manifest;

    FeatureBatch(VectorSchemaRoot root, StoreManifest manifest) {
        this.root = root;
        this.manifest = manifest;
    }

    /** The underlying Arrow vectors (for callers that want them directly). */
    public VectorSchemaRoot root() {
        return root;
    }

    public int rowCount() {
        return root.getRowCount();
    }

    public String id(int row) {
        return new String(((VarCharVector) root.getVector(FeatureSchema.ID)).get(row), StandardCharsets.UTF_8);
    }

    /** Class index (into the manifest's label names) of a scalar int64 target (classification stores). */
    public long label(int row) {
        FieldVector v = targetVector();
        if (!(v instanceof BigIntVector labels)) {
            throw new FeatureException("feature store target '" + manifest.task().target().column() + "' is "
                    + manifest.task().target().dtype() + " " + manifest.task().target().shape()
                    + ", not a class label; use target()");
        }
        return labels.get(row);
    }

    /** The target of a scalar target column as a float (regression value, or a class index widened). */
    public float target(int row) {
        FieldVector v = targetVector();
        if (v instanceof Float4Vector f) {
            return f.get(row);
        }
        if (v instanceof BigIntVector l) {
            return l.get(row);
        }
        throw new FeatureException("feature store target '" + manifest.task().target().column()
                + "' is not a scalar (shape " + manifest.task().target().shape() + ")");
    }

    /** The target column's vector (scalars, or a fixed-size list of H·W values for shaped targets). */
    public FieldVector targetVector() {
        String column = manifest.task().target().column();
        FieldVector v = root.getVector(column);
        if (v == null) {
            throw new FeatureException("feature store shard has no target column '" + column + "'");
        }
        return v;
    }

    /**
     * Copies every row's target values (the target's width per row, row-major) into
     * {@code dst[offset …]}: int64 and uint8 targets (class indices, masks).
     */
    public void copyTargets(long[] dst, int offset) {
        FieldVector v = targetVector();
        FieldVector data = v instanceof FixedSizeListVector l ? l.getDataVector() : v;
        int n = rowCount() * manifest.task().target().width();
        if (data instanceof BigIntVector b) {
            for (int i = 0; i < n; i++) {
                dst[offset + i] = b.get(i);
            }
        } else if (data instanceof org.apache.arrow.vector.UInt1Vector u) {
            for (int i = 0; i < n; i++) {
                dst[offset + i] = u.get(i) & 0xff;
            }
        } else {
            throw new FeatureException("feature store target '" + manifest.task().target().column() + "' holds "
                    + manifest.task().target().dtype() + " values, not integers");
        }
    }

    /** Copies every row's target values (row-major) into {@code dst[offset …]}: float32 targets (regression). */
    public void copyTargets(float[] dst, int offset) {
        FieldVector v = targetVector();
        FieldVector data = v instanceof FixedSizeListVector l ? l.getDataVector() : v;
        if (!(data instanceof Float4Vector f)) {
            throw new FeatureException("feature store target '" + manifest.task().target().column() + "' holds "
                    + manifest.task().target().dtype() + " values, not float32");
        }
        int n = rowCount() * manifest.task().target().width();
        for (int i = 0; i < n; i++) {
            dst[offset + i] = f.get(i);
        }
    }

    /** Whether the store has a length column for the modality. */
    public boolean hasLengths(String modality) {
        return manifest.modality(modality).lengthColumn() != null;
    }

    /**
     * Real (non-padding) positions of the modality at {@code row}; the full sequence length when
     * the store has no length column for it (every position counts).
     */
    public int length(String modality, int row) {
        StoreManifest.ModalityInfo m = manifest.modality(modality);
        if (m.lengthColumn() == null) {
            return m.sequenceLength();
        }
        return ((IntVector) root.getVector(m.lengthColumn())).get(row);
    }

    /** Values per row of the modality. */
    public int width(String modality) {
        return manifest.modality(modality).width();
    }

    /**
     * All rows' float32 features of the modality as one buffer over Arrow memory (no copy):
     * {@code rowCount() × width} values, row-major.
     *
     * @throws FeatureException if the store is float16 (use {@link #halfFloats} or {@link #copyRow})
     */
    public FloatBuffer floats(String modality) {
        FieldVector data = list(modality).getDataVector();
        if (!(data instanceof Float4Vector)) {
            throw new FeatureException("modality " + modality + " is stored as float16; use halfFloats() or copyRow()");
        }
        long n = (long) rowCount() * width(modality);
        return data.getDataBuffer().nioBuffer(0, (int) (4 * n)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /** All rows' float16 features (IEEE half bits) over Arrow memory (no copy). */
    public ShortBuffer halfFloats(String modality) {
        FieldVector data = list(modality).getDataVector();
        if (!(data instanceof Float2Vector)) {
            throw new FeatureException("modality " + modality + " is stored as float32; use floats()");
        }
        long n = (long) rowCount() * width(modality);
        return data.getDataBuffer().nioBuffer(0, (int) (2 * n)).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    }

    /** Copies one row's features into {@code dst[offset …]} as float32 (widening float16). */
    public void copyRow(String modality, int row, float[] dst, int offset) {
        int w = width(modality);
        FieldVector data = list(modality).getDataVector();
        if (data instanceof Float4Vector) {
            FloatBuffer fb = floats(modality);
            fb.position(row * w);
            fb.get(dst, offset, w);
        } else {
            ShortBuffer sb = halfFloats(modality);
            for (int i = 0; i < w; i++) {
                dst[offset + i] = Float16.toFloat(sb.get(row * w + i));
            }
        }
    }

    /** One row's features as a new float32 array. */
    public float[] row(String modality, int row) {
        float[] out = new float[width(modality)];
        copyRow(modality, row, out, 0);
        return out;
    }

    private FixedSizeListVector list(String modality) {
        FieldVector v = root.getVector(modality);
        if (!(v instanceof FixedSizeListVector l)) {
            throw new FeatureException("feature store has no feature column '" + modality + "'");
        }
        return l;
    }
}
