package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.store.InputChecksum;
import dev.cggm.features.store.RowBatcher;
import dev.cggm.features.store.Shard;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreWriter;
import dev.cggm.onnx.artifacts.Version;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@link ImportSource} into a feature store through {@link StoreWriter}: the same
 * shards, resuming (finished shards are skipped, a re-run with other inputs or settings is
 * refused), provenance (SHA-256 of every input file) and bad-entry reporting as
 * {@code cggm extract}. Rows are checked ({@link RowChecks}) before they are written.
 */
public final class Importer {
    private final ImportSource source;
    private final ImportOptions o;
    private final ProgressListener progress;

    private Importer(ImportSource source, ImportOptions options, ProgressListener progress) {
        this.source = source;
        this.o = options;
        this.progress = progress;
    }

    /** Imports {@code source} into {@code store} (created, or resumed when it was made by the same import). */
    public static ExtractionResult run(Path store, ImportSource source, ImportOptions options, ProgressListener progress)
            throws IOException {
        return new Importer(source, options, progress).run(store.toAbsolutePath().normalize());
    }

    private ExtractionResult run(Path store) throws IOException {
        long t0 = System.nanoTime();
        StoreManifest base = new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION, StoreManifest.IN_PROGRESS,
                new StoreManifest.DatasetInfo(source.format(), source.root().toAbsolutePath().normalize().toString(),
                        InputChecksum.of(source.inputFiles())),
                source.task(), source.labelNames(), o.shardSize(), o.precision().id(), source.modalities(),
                new LinkedHashMap<>(), new StoreManifest.ExecutionInfo("none (import)", o.batchRows(), 0, 1,
                        Version.get()));
        Map<String, ExtractionResult.SplitSummary> summaries = new LinkedHashMap<>();
        try (StoreWriter writer = StoreWriter.open(store, base, o.strict())) {
            for (String split : splitsToRun()) {
                long size = source.size(split);
                StoreWriter.Split out = writer.split(split, o.limit() > 0 ? Math.min(size, o.limit()) : size);
                summaries.put(split, importSplit(writer, out));
            }
            writer.complete();
        }
        return new ExtractionResult(store, "none (import)", summaries, (System.nanoTime() - t0) / 1e9);
    }

    private List<String> splitsToRun() {
        if (o.splits().isEmpty()) {
            return source.splits();
        }
        for (String s : o.splits()) {
            if (!source.splits().contains(s)) {
                throw new FeatureException(source.root() + " has no split '" + s + "' (splits: " + source.splits() + ")");
            }
        }
        return source.splits().stream().filter(o.splits()::contains).toList();
    }

    private ExtractionResult.SplitSummary importSplit(StoreWriter writer, StoreWriter.Split out) throws IOException {
        long done = out.finishedEntries();
        progress.splitStarted(out.name(), out.entries(), done);
        RowChecks checks = new RowChecks(source.task(), source.labelNames().size(), source.modalities());
        long processed = 0;
        if (done < out.entries()) {
            try (ImportSource.Rows rows = source.rows(out.name())) {
                Shard shard = null;
                RowBatcher batcher = null;
                try {
                    for (long pos = 0; pos < out.entries(); pos++) {
                        if (!rows.hasNext()) {
                            throw new FeatureException(source.root() + ": split " + out.name() + " ended after " + pos
                                    + " of its " + out.entries() + " entries");
                        }
                        int k = out.shardOf(pos);
                        if (out.finished(k)) {
                            rows.skip();
                            continue;
                        }
                        if (shard == null || shard.index() != k) {
                            if (shard != null) {
                                batcher.flush();
                                out.commit(shard);
                                shard.close();
                            }
                            shard = out.open(k);
                            batcher = new RowBatcher(shard, writer.base(), o.batchRows());
                        }
                        ImportSource.Entry e = rows.next();
                        BadSampleException problem = e.error();
                        if (problem == null) {
                            try {
                                checks.check(e.row(), e.file() != null ? e.file() : source.root());
                            } catch (BadSampleException bad) {
                                problem = bad;
                            }
                        }
                        if (problem != null) {
                            out.bad(shard, problem);
                        } else {
                            batcher.add(e.row());
                        }
                        processed++;
                        progress.advanced(1);
                    }
                    if (shard != null) {
                        batcher.flush();
                        out.commit(shard);
                        shard.close();
                        shard = null;
                    }
                } finally {
                    if (shard != null) {
                        shard.close(); // not committed: the partial file is deleted
                    }
                }
            }
        }
        StoreManifest.SplitInfo info = out.info();
        progress.splitFinished(out.name(), info.rows(), info.errors().size());
        return new ExtractionResult.SplitSummary(out.entries(), info.rows(), info.errors().size(), processed,
                out.resumedShards());
    }
}
