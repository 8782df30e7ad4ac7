package dev.cggm.features.imports;

import dev.cggm.features.store.Precision;

import java.util.List;

/**
 * How an import writes its store.
 *
 * @param shardSize entries per shard file
 * @param batchRows rows per Arrow record batch
 * @param precision float32 or float16 storage
 * @param strict    fail on the first bad entry instead of skipping it
 * @param splits    splits to import (empty = all)
 * @param limit     at most this many entries per split (0 = all)
 */
public record ImportOptions(int shardSize, int batchRows, Precision precision, boolean strict, List<String> splits,
                            long limit) {
    public static final int DEFAULT_SHARD_SIZE = 1024;
    public static final int DEFAULT_BATCH_ROWS = 64;

    public ImportOptions {
        if (shardSize <= 0) {
            throw new IllegalArgumentException("--shard-size must be > 0, got " + shardSize);
        }
        if (batchRows <= 0) {
            throw new IllegalArgumentException("--batch-rows must be > 0, got " + batchRows);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        splits = splits == null ? List.of() : List.copyOf(splits);
    }

    /** Defaults: 1024 entries per shard, 64 rows per record batch, float32, lenient, all splits. */
    public static ImportOptions defaults() {
        return new ImportOptions(DEFAULT_SHARD_SIZE, DEFAULT_BATCH_ROWS, Precision.FLOAT32, false, List.of(), 0);
    }
}
