package dev.cggm.features.pipeline;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.runtime.ExecutionDevice;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything one extraction run needs.
 *
 * @param dataset            the samples
 * @param text               text encoder and tokenizer
 * @param image              image encoder
 * @param imagePreprocessing preprocessing to apply (the encoder's own or one from flags)
 * @param maxLength          tokens per text (pad/truncate), default 50 as the reference
 * @param device             where sessions run
 * @param threads            ONNX Runtime intra-op threads per session (0 = all cores)
 * @param workers            decode/tokenize threads
 * @param batchSize          samples per session run and per Arrow record batch
 * @param shardSize          dataset entries per shard file
 * @param textPooling        what to store for text
 * @param imagePooling       what to store for images
 * @param precision          float32 or float16 storage
 * @param strict             fail on the first bad sample instead of skipping it
 * @param splits             splits to extract (null or empty = all)
 * @param limit              at most this many entries per split (0 = all), for quick runs
 */
public record ExtractionOptions(Dataset dataset, TextEncoderSpec text, ImageEncoderSpec image,
                                PreprocessorConfig imagePreprocessing, int maxLength, ExecutionDevice device,
                                int threads, int workers, int batchSize, int shardSize, Pooling textPooling,
                                Pooling imagePooling, Precision precision, boolean strict, List<String> splits,
                                long limit) {
    public static final int DEFAULT_MAX_LENGTH = 50;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_SHARD_SIZE = 1024;

    public ExtractionOptions {
        if (maxLength < 2) {
            throw new IllegalArgumentException("--max-length must be >= 2, got " + maxLength);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be > 0, got " + batchSize);
        }
        if (shardSize <= 0) {
            throw new IllegalArgumentException("--shard-size must be > 0, got " + shardSize);
        }
        if (workers <= 0) {
            throw new IllegalArgumentException("--workers must be > 0, got " + workers);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0 = all cores), got " + threads);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        splits = splits == null ? List.of() : List.copyOf(splits);
        String problem = splitsProblem(splits);
        if (problem != null) {
            throw new IllegalArgumentException("--split: " + problem);
        }
    }

    /** What is wrong with a list of splits to extract (each named once), or null; the CLI's and the API's rule. */
    public static String splitsProblem(List<String> splits) {
        Set<String> seen = new HashSet<>();
        for (String s : splits) {
            if (!seen.add(s)) {
                return "'" + s + "' is given twice; name each split once";
            }
        }
        return null;
    }

    /** Default decode/tokenize threads: half the cores, at least one. */
    public static int defaultWorkers() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
