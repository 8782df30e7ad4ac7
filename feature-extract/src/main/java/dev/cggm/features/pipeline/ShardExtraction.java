package dev.cggm.features.pipeline;

import ai.onnxruntime.OrtException;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.store.BadRows;
import dev.cggm.features.store.Shard;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills one shard from its samples on the calling thread — what a distributed task runs (the
 * single-JVM {@link Extractor} pipelines the same steps over threads). The batches are cut as
 * the {@link Extractor} cuts them: consecutive good samples of the shard in dataset order,
 * {@code batchSize} at a time, the last one shorter. So a shard's bytes do not depend on which
 * engine wrote it, also for quantized encoders (whose features depend on the batch).
 */
public final class ShardExtraction {
    /** Called after each record batch is written (e.g. by a fault-injection test). */
    @FunctionalInterface
    public interface BatchWritten {
        void written(int batchNumber) throws IOException;
    }

    private final BatchEncoder encoder;
    private final SamplePreparer preparer;
    private final BadRows badRows;
    private final int batchSize;

    /**
     * @param encoders  shared by every task of the JVM
     * @param labels    class names; a sample's label is its index
     * @param indexFile the file listing the samples (named in messages about bad entries)
     * @param badRows   skip-and-list or stop (--strict)
     */
    public ShardExtraction(EncoderSet encoders, List<String> labels, Path indexFile, int batchSize, BadRows badRows) {
        this.encoder = encoders.batchEncoder(batchSize);
        this.preparer = encoders.preparer(labels, indexFile);
        this.badRows = badRows;
        this.batchSize = batchSize;
    }

    /**
     * Prepares, encodes and writes {@code samples} (the shard's entries, in dataset order) into
     * {@code shard}; the caller commits it.
     */
    public void write(Shard shard, Iterable<Sample> samples, BatchWritten afterBatch) throws IOException, OrtException {
        List<Prepared> batch = new ArrayList<>(batchSize);
        int batches = 0;
        for (Sample s : samples) {
            Prepared p = preparer.prepare(s);
            if (p.isBad()) {
                shard.bad(badRows.handle(shard.split(), p.error()));
                continue;
            }
            batch.add(p);
            shard.covered(1);
            if (batch.size() == batchSize) {
                encoder.encodeInto(batch, shard.writer());
                batch.clear();
                afterBatch.written(++batches);
            }
        }
        if (!batch.isEmpty()) {
            encoder.encodeInto(batch, shard.writer());
            afterBatch.written(++batches);
        }
    }
}
