package dev.cggm.features.store;

import dev.cggm.onnx.artifacts.ContainedPaths;
import dev.cggm.onnx.artifacts.JsonErrors;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The checks that make a feature store's files trustworthy before and while they are read — one
 * place for every reader. Each failure is an {@link InvalidStoreException} naming the store, the
 * file and what to do:
 * <ul>
 *   <li><b>manifest</b>: the fields a reader needs are there, every shard path stays inside the
 *       store (symbolic links resolved);</li>
 *   <li><b>shard before use</b>: its sidecar agrees with the manifest's entry, and the file's
 *       SHA-256 is the sidecar's (a truncated, overwritten or garbage file never reaches the
 *       Arrow reader);</li>
 *   <li><b>shard schema</b>: its columns, types and widths are those the manifest implies;</li>
 *   <li><b>values</b>: every feature value is finite (naming split, sample id and column);</li>
 *   <li><b>rows</b>: a shard holds the rows its sidecar says.</li>
 * </ul>
 */
public final class StoreChecks {
    /** What to do about a damaged shard: the extractor redoes shards whose checksum or sidecar is wrong. */
    static final String REDO_SHARDS = "run the same extraction again (it extracts damaged shards again)";
    /** What to do about a store whose manifest is wrong: the extractor trusts it, so start over. */
    static final String REDO_STORE = "delete the store and extract it again";

    private StoreChecks() {
    }

    // ------------------------------------------------------------------------------ manifest

    /** The manifest has what readers rely on, and every shard it names is inside the store. */
    static void checkManifest(Path store, StoreManifest m) {
        String where = "feature store " + store + ": " + StoreManifest.FILE;
        if (m.labelNames() == null || m.modalities() == null || m.splits() == null || m.precision() == null) {
            throw new InvalidStoreException(where + " lacks " + (m.labelNames() == null ? "label_names"
                    : m.modalities() == null ? "modalities" : m.splits() == null ? "splits" : "precision")
                    + "; it is damaged: " + REDO_STORE);
        }
        Precision.parse(m.precision());
        for (StoreManifest.ModalityInfo mod : m.modalities()) {
            if (mod.name() == null || mod.shape() == null || mod.shape().isEmpty() || mod.shape().size() > 2
                    || mod.shape().stream().anyMatch(d -> d == null || d <= 0)) {
                throw new InvalidStoreException(where + ": modality '" + mod.name() + "' has shape " + mod.shape()
                        + " (want [L, D] or [D], positive); it is damaged: " + REDO_STORE);
            }
        }
        for (Map.Entry<String, StoreManifest.SplitInfo> split : m.splits().entrySet()) {
            List<StoreManifest.ShardInfo> shards = split.getValue().shards();
            if (shards == null) {
                throw new InvalidStoreException(where + ": split '" + split.getKey() + "' lists no shards; it is "
                        + "damaged: " + REDO_STORE);
            }
            for (StoreManifest.ShardInfo sh : shards) {
                shardPath(store, sh.file(), StoreManifest.FILE);
            }
        }
    }

    /** The file a manifest or sidecar names ({@code namedBy}), resolved inside the store. */
    static Path shardPath(Path store, String relative, String namedBy) {
        Path p;
        try {
            p = ContainedPaths.resolve(store, relative);
        } catch (IOException e) {
            throw new InvalidStoreException("feature store " + store + ": cannot resolve shard '" + relative + "' named "
                    + "by " + namedBy + ": " + e.getMessage(), e);
        }
        if (p == null || !relative.endsWith(".arrow")) {
            throw new InvalidStoreException("feature store " + store + ": " + namedBy + " names shard '" + relative
                    + "', which " + (p == null ? "leads outside the store" : "is not an .arrow file")
                    + " (shard paths must stay inside the store, also through symbolic links); the manifest is damaged "
                    + "or the store was edited: " + REDO_STORE);
        }
        return p;
    }

    // ------------------------------------------------------------------------------ a shard before use

    /**
     * Before a shard is read: it exists, its sidecar ({@code part-NNNNN.json}) agrees with the
     * manifest's entry, and the file's SHA-256 is the one the sidecar recorded when it was written.
     */
    static void verifyShard(Path store, StoreManifest.ShardInfo entry, Path file) {
        String name = entry.file();
        if (!Files.isRegularFile(file)) {
            throw new InvalidStoreException("feature store " + store + ": shard " + name + " is missing; " + REDO_SHARDS);
        }
        Path sidecarFile = StoreLayout.sidecar(file);
        String sidecarName = store.relativize(sidecarFile).toString();
        if (!Files.isRegularFile(sidecarFile)) {
            throw new InvalidStoreException("feature store " + store + ": shard " + name + " has no sidecar "
                    + sidecarName + " (its checksum); " + REDO_SHARDS);
        }
        StoreManifest.ShardInfo sidecar;
        try {
            sidecar = StoreManifest.readJson(sidecarFile, StoreManifest.ShardInfo.class);
        } catch (IOException e) {
            throw new InvalidStoreException("feature store " + store + ": sidecar " + sidecarName + " is not readable ("
                    + JsonErrors.describe(e) + "); " + REDO_SHARDS, e);
        }
        if (!Objects.equals(sidecar.file(), entry.file()) || sidecar.rows() != entry.rows()
                || !Objects.equals(sidecar.sha256(), entry.sha256())) {
            throw new InvalidStoreException("feature store " + store + ": sidecar " + sidecarName + " (file "
                    + sidecar.file() + ", " + sidecar.rows() + " rows) disagrees with the manifest's entry (file "
                    + entry.file() + ", " + entry.rows() + " rows) or its checksum; " + REDO_SHARDS);
        }
        String actual;
        try {
            actual = sha256(file);
        } catch (IOException e) {
            throw new InvalidStoreException("feature store " + store + ": cannot read shard " + name + ": "
                    + e.getMessage(), e);
        }
        if (!actual.equals(sidecar.sha256())) {
            throw new InvalidStoreException("feature store " + store + ": shard " + name + " is damaged: its SHA-256 is "
                    + abbreviate(actual) + ", its sidecar recorded " + abbreviate(sidecar.sha256()) + " when it was "
                    + "written (truncated, overwritten or changed since); " + REDO_SHARDS);
        }
    }

    /** SHA-256 of a file's bytes, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        return InputChecksum.of(List.of(file));
    }

    private static String abbreviate(String sha) {
        return sha == null ? "none" : sha.length() > 12 ? sha.substring(0, 12) + "…" : sha;
    }

    // ------------------------------------------------------------------------------ schema, values, rows

    /** The shard's Arrow schema has the columns, types and widths the manifest implies (metadata aside). */
    static void checkSchema(Path store, String shard, Schema actual, StoreManifest m) {
        Schema expected = FeatureSchema.of(m);
        List<Field> have = actual.getFields();
        for (Field w : expected.getFields()) {
            Field h = have.stream().filter(f -> f.getName().equals(w.getName())).findFirst().orElse(null);
            if (h == null) {
                throw schemaError(store, shard, "has no column '" + w.getName() + "'", have);
            }
            if (!sameStructure(w, h)) {
                String shape = m.modalities().stream().filter(mod -> mod.name().equals(w.getName())).findFirst()
                        .map(mod -> " (shape " + mod.shape() + ")").orElse("");
                throw schemaError(store, shard, "holds column '" + w.getName() + "' as " + typeName(h)
                        + ", the manifest says " + typeName(w) + shape, have);
            }
        }
    }

    private static boolean sameStructure(Field a, Field b) {
        if (!a.getType().equals(b.getType()) || a.getChildren().size() != b.getChildren().size()) {
            return false;
        }
        for (int i = 0; i < a.getChildren().size(); i++) {
            if (!sameStructure(a.getChildren().get(i), b.getChildren().get(i))) {
                return false;
            }
        }
        return true;
    }

    /** A field's type as README's store table writes it: {@code fixed_size_list<float32>[19200]}, {@code int64}. */
    private static String typeName(Field f) {
        ArrowType t = f.getType();
        if (t instanceof ArrowType.FixedSizeList l) {
            return "fixed_size_list<" + (f.getChildren().isEmpty() ? "?" : typeName(f.getChildren().get(0))) + ">["
                    + l.getListSize() + "]";
        }
        if (t instanceof ArrowType.FloatingPoint fp) {
            return switch (fp.getPrecision()) {
                case HALF -> "float16";
                case SINGLE -> "float32";
                case DOUBLE -> "float64";
            };
        }
        if (t instanceof ArrowType.Int i) {
            return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
        }
        return t instanceof ArrowType.Utf8 ? "utf8" : t.toString();
    }

    private static InvalidStoreException schemaError(Path store, String shard, String problem, List<Field> have) {
        return new InvalidStoreException("feature store " + store + ": shard " + shard + " does not match the manifest: "
                + "it " + problem + " (its columns: " + have.stream().map(Field::getName).toList() + "); "
                + REDO_STORE);
    }

    /** Every feature value of the batch is finite; otherwise names the split, the sample and the column. */
    static void requireFinite(Path store, String split, FeatureBatch b, StoreManifest m) {
        for (StoreManifest.ModalityInfo mod : m.modalities()) {
            int w = mod.width();
            int bad = firstNonFinite(b, mod.name(), (long) b.rowCount() * w);
            if (bad >= 0) {
                int row = bad / w;
                float v = b.row(mod.name(), row)[bad % w];
                throw new InvalidStoreException("feature store " + store + ": split '" + split + "', sample '"
                        + b.id(row) + "': column '" + mod.name() + "' holds " + v + " (value " + (bad % w) + " of " + w
                        + "); non-finite features cannot be trained or evaluated: fix the sample (or its encoder) and "
                        + "extract again");
            }
        }
    }

    /** Index of the first NaN or infinite value among the batch's {@code n} values of a column, or -1. */
    private static int firstNonFinite(FeatureBatch b, String column, long n) {
        FieldVector data = ((org.apache.arrow.vector.complex.FixedSizeListVector) b.root().getVector(column))
                .getDataVector();
        if (data instanceof Float2Vector) {
            ShortBuffer h = b.halfFloats(column);
            for (int i = 0; i < n; i++) {
                if ((h.get(i) & 0x7c00) == 0x7c00) { // exponent all ones: infinity or NaN
                    return i;
                }
            }
        } else {
            FloatBuffer f = b.floats(column);
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(f.get(i))) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** After the last batch of a shard: it held the rows its sidecar recorded. */
    static void checkRows(Path store, StoreManifest.ShardInfo entry, long rows) {
        if (rows != entry.rows()) {
            throw new InvalidStoreException("feature store " + store + ": shard " + entry.file() + " holds " + rows
                    + " rows, its sidecar and the manifest say " + entry.rows() + "; " + REDO_STORE);
        }
    }
}
