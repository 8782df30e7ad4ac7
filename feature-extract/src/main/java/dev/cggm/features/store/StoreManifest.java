package dev.cggm.features.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cggm.features.FeatureException;
import dev.cggm.onnx.artifacts.JsonErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code STORE/manifest.json}: what a feature store holds and how it was made. Rewritten
 * atomically after every finished shard ({@code status} = {@code in_progress}) and at the end
 * ({@code complete}). JSON keys are snake_case.
 *
 * @param format      always {@value #FORMAT}
 * @param version     layout version ({@value #VERSION})
 * @param status      {@code in_progress} or {@code complete}
 * @param dataset     where the samples came from
 * @param task        the task and its target column (absent in version-1 manifests, which are all
 *                    classification with an int64 {@code label} column: {@link TaskInfo#classification()})
 * @param labelNames  class names of a class-valued target (classification); the target column holds
 *                    indices into this list. Empty for regression
 * @param shardSize   dataset entries per shard file (shard k holds entries [k·size, (k+1)·size) of its split)
 * @param precision   {@code float32} or {@code float16}
 * @param modalities  one entry per feature column, in column order
 * @param splits      per split: counts, shard files, bad samples
 * @param execution   how the last run executed (informational; not part of the store's identity)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreManifest(String format, int version, String status, DatasetInfo dataset, TaskInfo task,
                            List<String> labelNames, int shardSize, String precision, List<ModalityInfo> modalities,
                            Map<String, SplitInfo> splits, ExecutionInfo execution) {
    public static final String FILE = "manifest.json";
    public static final String FORMAT = "cggm-feature-store";
    /** Layout version written: 2 added {@code task} (any target) and optional length columns. */
    public static final int VERSION = 2;
    public static final String IN_PROGRESS = "in_progress";
    public static final String COMPLETE = "complete";

    /** The mapper for manifests and sidecars (snake_case keys). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public StoreManifest {
        if (task == null) {
            task = TaskInfo.classification(); // version 1: always class labels in `label`
        }
        labelNames = labelNames == null ? List.of() : labelNames;
    }

    /**
     * What the store's samples are labelled with.
     *
     * @param type   {@value #CLASSIFICATION} or {@value #REGRESSION} (segmentation to come: a
     *               class-valued target of shape [H, W])
     * @param target the target column
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TaskInfo(String type, TargetInfo target) {
        public static final String CLASSIFICATION = "classification";
        public static final String REGRESSION = "regression";

        /** Class indices (into {@code label_names}) in an int64 column {@code label}. */
        public static TaskInfo classification() {
            return new TaskInfo(CLASSIFICATION, new TargetInfo(FeatureSchema.LABEL, TargetType.INT64.id(), List.of(),
                    null, null));
        }

        /**
         * A float32 value per sample in a column {@code target}.
         *
         * @param name  what the value is (e.g. {@code sentiment}), or null
         * @param range its documented [min, max], or null when unknown
         */
        public static TaskInfo regression(String name, List<Double> range) {
            return new TaskInfo(REGRESSION, new TargetInfo(FeatureSchema.TARGET, TargetType.FLOAT32.id(), List.of(),
                    name, range));
        }

        @JsonIgnore
        public boolean isClassification() {
            return CLASSIFICATION.equals(type);
        }

        @JsonIgnore
        public boolean isRegression() {
            return REGRESSION.equals(type);
        }
    }

    /**
     * The target column: its name, element type and per-sample shape ({@code []} for a scalar per
     * sample; e.g. {@code [H, W]} for a mask, stored as a fixed-size list of H·W values).
     *
     * @param column column name
     * @param dtype  {@code int64}, {@code float32} or {@code uint8} ({@link TargetType})
     * @param shape  per-sample shape, {@code []} for scalars
     * @param name   what the value is, or null
     * @param range  documented [min, max] of the values, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TargetInfo(String column, String dtype, List<Integer> shape, String name, List<Double> range) {
        public TargetInfo {
            shape = shape == null ? List.of() : List.copyOf(shape);
        }

        /** The element type. */
        public TargetType type() {
            return TargetType.parse(dtype);
        }

        /** Values per sample (1 for a scalar). */
        public int width() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @JsonIgnore
        public boolean isScalar() {
            return shape.isEmpty();
        }
    }

    /** The dataset a store was made from; {@code sha256} covers its input files (index files, pickles, tables). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DatasetInfo(String format, String path, String sha256) {
    }

    /**
     * One modality's feature column: a sequence [L, D] or a vector [D] per sample.
     *
     * @param name          column name ({@code text}, {@code image}, {@code audio}, …)
     * @param encoder       encoder name; null for imported features
     * @param source        where the model came from (path, class-path resource, or "built in memory …"); for
     *                      imported features the file and key the values were read from
     * @param sha256        SHA-256 of the ONNX model bytes; null for imported features (the dataset's covers them)
     * @param pretrained    false for the seeded (randomly initialised) default ViT; null for imported features
     * @param tokenizer     text only: tokenizer source and checksum
     * @param maxLength     text only: tokens per text (padding/truncation length)
     * @param preprocessing image only: resize/rescale/normalise settings
     * @param shape         per-sample feature shape: [L, D] for sequences, [D] for vectors (pooled features)
     * @param encoderShape  the encoder's per-sample output shape [L, D] (before pooling); null for imported features
     * @param pooling       {@code none}, {@code cls} or {@code mean}; null for imported features
     * @param lengthColumn  name of the int32 column with the number of real positions, or null when there is
     *                      none (every position counts)
     * @param transform     what was done to imported values, in words (e.g. "-inf replaced by 0"), or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModalityInfo(String name, String encoder, String source, String sha256, Boolean pretrained,
                               FileInfo tokenizer, Integer maxLength, PreprocessingInfo preprocessing,
                               List<Integer> shape, List<Integer> encoderShape, String pooling, String lengthColumn,
                               String transform) {
        /** An imported modality: values of the given per-sample shape read from {@code source}. */
        public static ModalityInfo imported(String name, String source, List<Integer> shape, String lengthColumn,
                                            String transform) {
            return new ModalityInfo(name, null, source, null, null, null, null, null, List.copyOf(shape), null, null,
                    lengthColumn, transform);
        }

        /** Values per row of the feature column (product of {@link #shape}). */
        public int width() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        /** Positions per sample: L of [L, D], 1 for a vector [D]. */
        public int sequenceLength() {
            return shape.size() == 1 ? 1 : shape.get(0);
        }

        /** Feature width: D of [L, D] or [D]. */
        public int featureWidth() {
            return shape.get(shape.size() - 1);
        }
    }

    /** A file by origin and checksum. */
    public record FileInfo(String source, String sha256) {
    }

    /**
     * Image preprocessing as applied.
     *
     * @param shortestEdge when not null: images were resized by their shorter side to it and the
     *                     centred height × width cut out; otherwise resized to height × width
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PreprocessingInfo(int height, int width, double rescaleFactor, List<Float> mean, List<Float> std,
                                    String resample, Integer shortestEdge) {
    }

    /**
     * One split.
     *
     * @param samples entries in the dataset split
     * @param rows    rows written (samples minus bad ones) so far
     * @param shards  finished shard files in order
     * @param errors  bad samples skipped so far
     */
    public record SplitInfo(long samples, long rows, List<ShardInfo> shards, List<SampleError> errors) {
    }

    /**
     * One finished shard, also written beside it as {@code part-NNNNN.json}.
     *
     * @param file        path relative to the store ({@code train/part-00000.arrow})
     * @param firstSample position of the shard's first entry in the split
     * @param samples     entries covered (good and bad)
     * @param rows        rows in the file
     * @param sha256      checksum of the Arrow file
     * @param errors      bad samples among the covered entries
     */
    public record ShardInfo(String file, long firstSample, long samples, long rows, String sha256,
                            List<SampleError> errors) {
    }

    /** A skipped sample. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SampleError(String id, String file, String reason) {
    }

    /** How the run executed. */
    public record ExecutionInfo(String device, int batchSize, int threads, int workers, String cggmVersion) {
    }

    /** The fields that must match for a run to resume into an existing store. */
    public boolean sameContentSettings(StoreManifest o) {
        return Objects.equals(dataset, o.dataset) && Objects.equals(task, o.task)
                && Objects.equals(labelNames, o.labelNames)
                && shardSize == o.shardSize && Objects.equals(precision, o.precision)
                && Objects.equals(modalities, o.modalities);
    }

    /** This manifest with another status and split table (the rest unchanged). */
    public StoreManifest with(String newStatus, Map<String, SplitInfo> newSplits) {
        return new StoreManifest(format, version, newStatus, dataset, task, labelNames, shardSize, precision, modalities,
                new LinkedHashMap<>(newSplits), execution);
    }

    /** The modality named {@code name}. */
    public ModalityInfo modality(String name) {
        for (ModalityInfo m : modalities) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new FeatureException("feature store has no modality '" + name + "' (has: "
                + modalities.stream().map(ModalityInfo::name).toList() + ")");
    }

    /** Reads {@code dir/manifest.json}. */
    public static StoreManifest read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new FeatureException("not a feature store: " + f + " not found");
        }
        StoreManifest m;
        try {
            m = JSON.readValue(f.toFile(), StoreManifest.class);
        } catch (IOException e) {
            throw new InvalidStoreException("feature store " + dir + ": " + FILE + " is not readable ("
                    + JsonErrors.describe(e) + "); it is damaged: delete the store and extract it again", e);
        }
        if (m == null || !FORMAT.equals(m.format())) {
            throw new InvalidStoreException(f + " is not a cggm feature store manifest (format "
                    + (m == null ? null : m.format()) + ")");
        }
        if (m.version() > VERSION) {
            throw new FeatureException(f + " has layout version " + m.version() + "; this build reads up to "
                    + VERSION);
        }
        StoreChecks.checkManifest(dir, m);
        return m;
    }

    /** Writes {@code dir/manifest.json} atomically. */
    public void write(Path dir) throws IOException {
        writeJson(dir.resolve(FILE), this);
    }

    /** Writes any manifest part (e.g. a shard sidecar) as JSON, atomically. */
    public static void writeJsonFile(Path file, Object value) throws IOException {
        writeJson(file, value);
    }

    /** As {@link #writeJsonFile(Path, Object)}, through a temporary file of the given name beside it. */
    public static void writeJsonFile(Path file, Object value, String tmpName) throws IOException {
        Path tmp = file.resolveSibling(tmpName);
        JSON.writeValue(tmp.toFile(), value);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void writeJson(Path file, Object value) throws IOException {
        writeJsonFile(file, value, file.getFileName() + ".tmp");
    }

    static <T> T readJson(Path file, Class<T> type) throws IOException {
        return JSON.readValue(file.toFile(), type);
    }
}
