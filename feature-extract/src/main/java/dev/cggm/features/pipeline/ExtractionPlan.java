package dev.cggm.features.pipeline;

import dev.cggm.features.FeatureException;
import dev.cggm.features.store.InputChecksum;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreWriter;
import dev.cggm.onnx.artifacts.Version;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What every extraction engine decides the same way: the splits to run, their entries (after
 * {@code --limit}), the store's manifest, and whether an existing store may be resumed.
 */
public final class ExtractionPlan {
    private ExtractionPlan() {
    }

    /** The splits to extract, in the dataset's order. */
    public static List<String> splits(ExtractionOptions o) {
        List<String> all = o.dataset().splits();
        if (o.splits().isEmpty()) {
            return all;
        }
        for (String s : o.splits()) {
            if (!all.contains(s)) {
                throw new FeatureException("dataset " + o.dataset().root() + " has no split '" + s + "' (splits: " + all + ")");
            }
        }
        return all.stream().filter(o.splits()::contains).toList();
    }

    /** Entries of {@code split} to extract. */
    public static long entries(ExtractionOptions o, String split) {
        long size = o.dataset().size(split);
        return o.limit() > 0 ? Math.min(size, o.limit()) : size;
    }

    /** The store's description (status and splits are the writer's). */
    public static StoreManifest manifest(ExtractionOptions o, EncoderSet encoders, String device) throws IOException {
        StoreManifest.DatasetInfo dataset = new StoreManifest.DatasetInfo(o.dataset().format(),
                o.dataset().root().toString(), InputChecksum.of(o.dataset().indexFiles()));
        return new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION, StoreManifest.IN_PROGRESS, dataset,
                StoreManifest.TaskInfo.classification(), o.dataset().labelNames(), o.shardSize(), o.precision().id(),
                encoders.modalities(), new LinkedHashMap<>(),
                new StoreManifest.ExecutionInfo(device, o.batchSize(), o.threads(), o.workers(), Version.get()));
    }

    /**
     * Refuses to resume a store written with another batch size: quantized encoders compute
     * activation scales per batch, so values depend on the batching.
     */
    public static void checkResumable(StoreWriter writer, ExtractionOptions o, Path store) {
        StoreManifest existing = writer.previous();
        if (existing != null && existing.execution() != null && existing.execution().batchSize() != o.batchSize()) {
            throw new FeatureException("feature store " + store + " was written with --batch-size "
                    + existing.execution().batchSize() + "; resume with the same batch size (features of "
                    + "quantized encoders depend on how samples are batched)");
        }
    }
}
