package dev.cggm.features.store;

import dev.cggm.features.FeatureException;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Appends {@link FeatureRow}s to a shard, one Arrow record batch per {@code batchRows} rows.
 * Checks each row against the manifest (every modality present with its width, lengths where
 * the store has length columns) before writing anything of it.
 */
public final class RowBatcher {
    private final Shard shard;
    private final StoreManifest manifest;
    private final Precision precision;
    private final int batchRows;
    private int pending;

    public RowBatcher(Shard shard, StoreManifest manifest, int batchRows) {
        if (batchRows <= 0) {
            throw new IllegalArgumentException("rows per record batch must be > 0, got " + batchRows);
        }
        this.shard = shard;
        this.manifest = manifest;
        this.precision = Precision.parse(manifest.precision());
        this.batchRows = batchRows;
    }

    /** Appends one good row (and counts its entry as covered). */
    public void add(FeatureRow row) throws IOException {
        check(row);
        if (pending == 0) {
            shard.writer().allocate(batchRows);
        }
        VectorSchemaRoot root = shard.writer().root();
        int i = pending;
        ((VarCharVector) root.getVector(FeatureSchema.ID)).setSafe(i, row.id().getBytes(StandardCharsets.UTF_8));
        writeTarget(root.getVector(manifest.task().target().column()), i, row.target());
        for (StoreManifest.ModalityInfo m : manifest.modalities()) {
            FixedSizeListVector v = (FixedSizeListVector) root.getVector(m.name());
            FeatureVectors.writeRow(v, i, row.features().get(m.name()), precision);
            v.setNotNull(i);
            if (m.lengthColumn() != null) {
                ((IntVector) root.getVector(m.lengthColumn())).set(i, row.lengths().get(m.name()));
            }
        }
        shard.covered(1);
        if (++pending == batchRows) {
            flush();
        }
    }

    /** Writes the rows added since the last record batch (call before committing the shard). */
    public void flush() throws IOException {
        if (pending == 0) {
            return;
        }
        VectorSchemaRoot root = shard.writer().root();
        for (StoreManifest.ModalityInfo m : manifest.modalities()) {
            FixedSizeListVector v = (FixedSizeListVector) root.getVector(m.name());
            v.getDataVector().getValidityBuffer().setOne(0L, ((long) pending * v.getListSize() + 7) / 8);
        }
        FieldVector target = root.getVector(manifest.task().target().column());
        if (target instanceof FixedSizeListVector l) {
            l.getDataVector().getValidityBuffer().setOne(0L, ((long) pending * l.getListSize() + 7) / 8);
        }
        shard.writer().writeBatch(pending);
        pending = 0;
    }

    private void check(FeatureRow row) {
        for (StoreManifest.ModalityInfo m : manifest.modalities()) {
            float[] f = row.features().get(m.name());
            if (f == null || f.length != m.width()) {
                throw new FeatureException("row '" + row.id() + "': modality " + m.name() + " needs " + m.width()
                        + " values, got " + (f == null ? "none" : f.length));
            }
            if (m.lengthColumn() != null && (row.lengths() == null || row.lengths().get(m.name()) == null)) {
                throw new FeatureException("row '" + row.id() + "': modality " + m.name() + " needs a length");
            }
        }
    }

    private void writeTarget(FieldVector v, int i, Object target) {
        StoreManifest.TargetInfo info = manifest.task().target();
        if (info.isScalar()) {
            Number n = (Number) target;
            switch (info.type()) {
                case INT64 -> ((BigIntVector) v).set(i, n.longValue());
                case FLOAT32 -> ((Float4Vector) v).set(i, n.floatValue());
                case UINT8 -> ((UInt1Vector) v).set(i, n.intValue());
                default -> throw new IllegalStateException();
            }
            return;
        }
        FixedSizeListVector list = (FixedSizeListVector) v;
        FieldVector data = list.getDataVector();
        int w = info.width();
        long base = (long) i * w;
        if (target instanceof long[] values && values.length == w) {
            for (int k = 0; k < w; k++) {
                if (data instanceof BigIntVector b) {
                    b.getDataBuffer().setLong(8 * (base + k), values[k]);
                } else {
                    data.getDataBuffer().setByte(base + k, (byte) values[k]);
                }
            }
        } else if (target instanceof float[] values && values.length == w && data instanceof Float4Vector) {
            for (int k = 0; k < w; k++) {
                data.getDataBuffer().setFloat(4 * (base + k), values[k]);
            }
        } else {
            throw new FeatureException("target of shape " + info.shape() + " (" + info.dtype() + ") needs " + w
                    + " values as long[] or float[]");
        }
        list.setNotNull(i);
    }
}
