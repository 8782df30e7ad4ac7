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
 *   label            int64, not null          (index into the manifest's label_names)
 *   &lt;modality&gt;       fixed_size_list&lt;item: float32|float16, not null&gt;[L·D] (or [D] when pooled), not null
 *   &lt;modality&gt;_length int32, not null          (real, non-padding positions)
 * </pre>
 * one feature/length pair per modality in manifest order. Feature fields carry metadata
 * {@code cggm.shape} (JSON list, e.g. {@code [50, 384]}), {@code cggm.encoder},
 * {@code cggm.pooling} and {@code cggm.precision}; the schema carries {@code cggm.format} and
 * {@code cggm.version}.
 */
public final class FeatureSchema {
    public static final String ID = "id";
    public static final String LABEL = "label";
    public static final String LENGTH_SUFFIX = "_length";
    public static final String META_SHAPE = "cggm.shape";
    public static final String META_ENCODER = "cggm.encoder";
    public static final String META_POOLING = "cggm.pooling";
    public static final String META_PRECISION = "cggm.precision";

    private FeatureSchema() {
    }

    /** The schema for a manifest's modalities and precision. */
    public static Schema of(List<StoreManifest.ModalityInfo> modalities, Precision precision) {
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(ID, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        fields.add(new Field(LABEL, FieldType.notNullable(new ArrowType.Int(64, true)), null));
        ArrowType element = new ArrowType.FloatingPoint(precision == Precision.FLOAT32
                ? FloatingPointPrecision.SINGLE : FloatingPointPrecision.HALF);
        for (StoreManifest.ModalityInfo m : modalities) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(META_SHAPE, m.shape().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]")));
            meta.put(META_ENCODER, m.encoder());
            meta.put(META_POOLING, m.pooling());
            meta.put(META_PRECISION, precision.id());
            Field item = new Field("item", FieldType.notNullable(element), null);
            fields.add(new Field(m.name(), new FieldType(false, new ArrowType.FixedSizeList(m.width()), null, meta),
                    List.of(item)));
            fields.add(new Field(m.name() + LENGTH_SUFFIX, FieldType.notNullable(new ArrowType.Int(32, true)), null));
        }
        return new Schema(fields, Map.of("cggm.format", StoreManifest.FORMAT,
                "cggm.version", Integer.toString(StoreManifest.VERSION)));
    }
}
