package dev.cggm.server;

import dev.cggm.api.v1.DatasetFormat;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.Pooling;
import dev.cggm.api.v1.Precision;
import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.onnx.runtime.ExecutionDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@link ExtractionOptions} (the API's form of {@code ./cggm extract}'s options) checked field by
 * field and resolved with the CLI's defaults, and turned into the extractor's options when the
 * extraction executes (opening the dataset — generating the demo — and the encoders is work for
 * the job thread, not for the request).
 */
final class ExtractionOptionsMapper {
    private static final Pattern SPLIT = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private ExtractionOptionsMapper() {
    }

    /** The options with defaults filled in; INVALID_ARGUMENT naming the first bad field. */
    static ExtractionOptions resolve(ExtractionOptions o, DataDirectory data) {
        ExtractionOptions.Builder b = o.toBuilder();
        if (o.getFormat() == DatasetFormat.DATASET_FORMAT_UNSPECIFIED || o.getFormat() == DatasetFormat.UNRECOGNIZED) {
            throw ApiErrors.invalid("options.format", "required: DATASET_FORMAT_FOOD101, DATASET_FORMAT_JSONL or "
                    + "DATASET_FORMAT_DEMO");
        }
        Path dataset = data.resolve("options.dataset", o.getDataset());
        if (o.getFormat() != DatasetFormat.DATASET_FORMAT_DEMO && !Files.exists(dataset)) {
            throw ApiErrors.invalid("options.dataset", "'" + o.getDataset() + "' not found in the data directory");
        }
        b.setTextEncoder(o.getTextEncoder().isBlank() ? Encoders.DEFAULT_TEXT : o.getTextEncoder().strip());
        b.setImageEncoder(o.getImageEncoder().isBlank() ? Encoders.DEFAULT_IMAGE : o.getImageEncoder().strip());
        optionalFile(data, "options.tokenizer", o.getTokenizer());
        optionalFile(data, "options.preprocessor_config", o.getPreprocessorConfig());
        try {
            textEncoder(b.build(), data);
        } catch (FeatureException e) {
            throw ApiErrors.invalid("options.text_encoder", data.redact(e.getMessage()));
        }
        if (isPath(b.getImageEncoder())) {
            Path p = data.resolve("options.image_encoder", b.getImageEncoder());
            if (!Files.exists(p)) {
                throw ApiErrors.invalid("options.image_encoder", "'" + b.getImageEncoder() + "' not found in the data "
                        + "directory");
            }
        } else if (!Encoders.imageNames().contains(b.getImageEncoder().toLowerCase(Locale.ROOT))) {
            try {
                Encoders.image(b.getImageEncoder(), null); // an alias is fine; an unknown name says which exist
            } catch (FeatureException e) {
                throw ApiErrors.invalid("options.image_encoder", e.getMessage());
            }
        }
        if (o.hasImageSize()) {
            TrainOptionsMapper.range("options.image_size", o.getImageSize(), 1, 8192);
        }
        if (o.getImageMeanCount() > 0) {
            require("options.image_mean", PreprocessorConfig.meanProblem(floats(o.getImageMeanList())));
        }
        if (o.getImageStdCount() > 0) {
            require("options.image_std", PreprocessorConfig.stdProblem(floats(o.getImageStdList())));
        }
        b.setMaxLength(o.hasMaxLength() ? TrainOptionsMapper.range("options.max_length", o.getMaxLength(), 2, 8192)
                : dev.cggm.features.pipeline.ExtractionOptions.DEFAULT_MAX_LENGTH);
        b.setDevice(o.getDevice().isBlank() ? "auto" : TrainOptionsMapper.device("options.device", o.getDevice()));
        b.setBatchSize(o.hasBatchSize() ? TrainOptionsMapper.range("options.batch_size", o.getBatchSize(), 1, 100_000)
                : dev.cggm.features.pipeline.ExtractionOptions.DEFAULT_BATCH_SIZE);
        b.setThreads(o.hasThreads() ? TrainOptionsMapper.range("options.threads", o.getThreads(), 0, 4096) : 0);
        b.setWorkers(o.hasWorkers() ? TrainOptionsMapper.range("options.workers", o.getWorkers(), 1, 4096)
                : dev.cggm.features.pipeline.ExtractionOptions.defaultWorkers());
        b.setShardSize(o.hasShardSize() ? TrainOptionsMapper.range("options.shard_size", o.getShardSize(), 1, 10_000_000)
                : dev.cggm.features.pipeline.ExtractionOptions.DEFAULT_SHARD_SIZE);
        b.setTextPooling(pooling("options.text_pooling", o.getTextPooling()));
        b.setImagePooling(pooling("options.image_pooling", o.getImagePooling()));
        b.setPrecision(precision("options.precision", o.getPrecision()));
        for (String s : o.getSplitsList()) {
            if (!SPLIT.matcher(s).matches()) {
                throw ApiErrors.invalid("options.splits", "'" + s + "' is not a split name (letters, digits, _ . -)");
            }
        }
        require("options.splits", dev.cggm.features.pipeline.ExtractionOptions.splitsProblem(o.getSplitsList()));
        if (o.getLimit() < 0) {
            throw ApiErrors.invalid("options.limit", "must be >= 0, got " + o.getLimit());
        }
        return b.build();
    }

    /** The extractor's options for resolved options (opens the dataset: the demo is generated here). */
    static dev.cggm.features.pipeline.ExtractionOptions plan(ExtractionOptions o, DataDirectory data) throws IOException {
        dev.cggm.features.datasets.DatasetFormat format = switch (o.getFormat()) {
            case DATASET_FORMAT_FOOD101 -> dev.cggm.features.datasets.DatasetFormat.FOOD101;
            case DATASET_FORMAT_JSONL -> dev.cggm.features.datasets.DatasetFormat.JSONL;
            case DATASET_FORMAT_DEMO -> dev.cggm.features.datasets.DatasetFormat.DEMO;
            default -> throw new IllegalArgumentException("options.format: unknown value " + o.getFormat());
        };
        Dataset dataset = format.open(data.resolve("options.dataset", o.getDataset()));
        TextEncoderSpec text = textEncoder(o, data);
        ImageEncoderSpec image = Encoders.image(nameOrPath(data, "options.image_encoder", o.getImageEncoder()),
                optionalFile(data, "options.preprocessor_config", o.getPreprocessorConfig()));
        return new dev.cggm.features.pipeline.ExtractionOptions(dataset, text, image, image.preprocessingWith(o.hasImageSize() ? o.getImageSize() : null,
                o.getImageMeanCount() == 3 ? floats(o.getImageMeanList()) : null,
                o.getImageStdCount() == 3 ? floats(o.getImageStdList()) : null),
                o.getMaxLength(), ExecutionDevice.parse(o.getDevice()), o.getThreads(), o.getWorkers(), o.getBatchSize(),
                o.getShardSize(), storePooling(o.getTextPooling()), storePooling(o.getImagePooling()),
                storePrecision(o.getPrecision()), o.getStrict(), List.copyOf(o.getSplitsList()), o.getLimit());
    }

    /** A precision with UNSPECIFIED resolved to float32; INVALID_ARGUMENT for unknown values. */
    static Precision precision(String field, Precision p) {
        return switch (p) {
            case PRECISION_UNSPECIFIED, PRECISION_FLOAT32 -> Precision.PRECISION_FLOAT32;
            case PRECISION_FLOAT16 -> Precision.PRECISION_FLOAT16;
            default -> throw ApiErrors.invalid(field, "unknown value " + p);
        };
    }

    static dev.cggm.features.store.Precision storePrecision(Precision p) {
        return p == Precision.PRECISION_FLOAT16 ? dev.cggm.features.store.Precision.FLOAT16
                : dev.cggm.features.store.Precision.FLOAT32;
    }

    private static TextEncoderSpec textEncoder(ExtractionOptions o, DataDirectory data) {
        return Encoders.text(nameOrPath(data, "options.text_encoder", o.getTextEncoder()),
                optionalFile(data, "options.tokenizer", o.getTokenizer()));
    }

    /** A value with '/' or ending in .onnx is a path (resolved in the data directory); anything else a name. */
    static boolean isPath(String nameOrPath) {
        return nameOrPath.contains("/") || nameOrPath.contains("\\") || nameOrPath.toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    private static String nameOrPath(DataDirectory data, String field, String value) {
        return isPath(value) ? data.resolve(field, value).toString() : value;
    }

    private static Path optionalFile(DataDirectory data, String field, String value) {
        if (value.isBlank()) {
            return null;
        }
        Path p = data.resolve(field, value);
        if (!Files.isRegularFile(p)) {
            throw ApiErrors.invalid(field, "'" + value + "' is not a file in the data directory");
        }
        return p;
    }

    /** INVALID_ARGUMENT naming {@code field} when a shared rule found a problem. */
    private static void require(String field, String problem) {
        if (problem != null) {
            throw ApiErrors.invalid(field, problem);
        }
    }

    private static Pooling pooling(String field, Pooling p) {
        return switch (p) {
            case POOLING_UNSPECIFIED, POOLING_NONE -> Pooling.POOLING_NONE;
            case POOLING_CLS, POOLING_MEAN -> p;
            default -> throw ApiErrors.invalid(field, "unknown value " + p);
        };
    }

    private static dev.cggm.features.store.Pooling storePooling(Pooling p) {
        return switch (p) {
            case POOLING_CLS -> dev.cggm.features.store.Pooling.CLS;
            case POOLING_MEAN -> dev.cggm.features.store.Pooling.MEAN;
            default -> dev.cggm.features.store.Pooling.NONE;
        };
    }

    private static float[] floats(List<Float> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i);
        }
        return f;
    }
}
