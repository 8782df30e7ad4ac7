package dev.cggm.features.store;

import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Arrow schema of every shard file:
 * <pre>
 *   id               utf8, not null
 *   &lt;target&gt;         the manifest's target column, not null: int64 {@code label} (class index into
 *                    label_names) or float32 {@code target} (regression); a per-sample shape [H, W] is a
 *                    fixed_size_list&lt;item&gt;[H·W] with metadata cggm.shape
 *   &lt;modality&gt;       fixed_size_list&lt;item: float32|float16, not null&gt;[L·D] (or [D] for vectors), not null
 *   &lt;modality&gt;_length int32, not null          (real, non-padding positions; only where the manifest names it)
 * </pre>
 * modalities in manifest order. Feature fields carry metadata {@code cggm.shape} (JSON list, e.g.
 * {@code [50, 384]}), {@code cggm.precision} and, for extracted features, {@code cggm.encoder} and
 * {@code cggm.pooling}; the schema carries {@code cggm.format} and {@code cggm.version}.
 */
public final class FeatureSchema {
    public static final String ID = "id";
    /** The class-label column of classification stores. */
    public static final String LABEL = "label";
    /** The value column of regression stores. */
    public static final String TARGET = "target";
    public static final String LENGTH_SUFFIX = "_length";
    public static final String META_SHAPE = "cggm.shape";
    public static final String META_ENCODER = "cggm.encoder";
    public static final String META_POOLING = "cggm.pooling";
    public static final String META_PRECISION = "cggm.precision";

    private FeatureSchema() {
    }

    /** The schema of a manifest's shards: its target, modalities and precision. */
    public static Schema of(StoreManifest manifest) {
        return of(manifest.task().target(), manifest.modalities(), Precision.parse(manifest.precision()));
    }

    /** The schema for a target column, modalities and precision. */
    public static Schema of(StoreManifest.TargetInfo target, List<StoreManifest.ModalityInfo> modalities,
                            Precision precision) {
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(ID, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        fields.add(targetField(target));
        ArrowType element = new ArrowType.FloatingPoint(precision == Precision.FLOAT32
                ? FloatingPointPrecision.SINGLE : FloatingPointPrecision.HALF);
        for (StoreManifest.ModalityInfo m : modalities) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(META_SHAPE, shape(m.shape()));
            if (m.encoder() != null) {
                meta.put(META_ENCODER, m.encoder());
            }
            if (m.pooling() != null) {
                meta.put(META_POOLING, m.pooling());
            }
            meta.put(META_PRECISION, precision.id());
            Field item = new Field("item", FieldType.notNullable(element), null);
            fields.add(new Field(m.name(), new FieldType(false, new ArrowType.FixedSizeList(m.width()), null, meta),
                    List.of(item)));
            if (m.lengthColumn() != null) {
                fields.add(new Field(m.lengthColumn(), FieldType.notNullable(new ArrowType.Int(32, true)), null));
            }
        }
        return new Schema(fields, Map.of("cggm.format", StoreManifest.FORMAT,
                "cggm.version", Integer.toString(StoreManifest.VERSION)));
    }

    private static Field targetField(StoreManifest.TargetInfo target) {
        ArrowType element = target.type().arrowType();
        if (target.isScalar()) {
            return new Field(target.column(), FieldType.notNullable(element), null);
        }
        Field item = new Field("item", FieldType.notNullable(element), null);
        return new Field(target.column(), new FieldType(false, new ArrowType.FixedSizeList(target.width()), null,
                Map.of(META_SHAPE, shape(target.shape()))), List.of(item));
    }

    private static String shape(List<Integer> shape) {
        return shape.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }
}
