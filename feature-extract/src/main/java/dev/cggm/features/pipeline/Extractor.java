package dev.cggm.features.pipeline;

import ai.onnxruntime.OrtException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.datasets.SampleStream;
import dev.cggm.features.store.Shard;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreWriter;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Extracts a dataset into a feature store. Per split, a pipeline:
 * <pre>
 *   reader thread ──► worker pool (check, decode + resize image, tokenize)
 *        └─ futures, in dataset order ─► bounded queue ─► this thread: batches ─► text and image
 *           sessions ─► Arrow record batch ─► shard file (atomic) ─► sidecar + manifest
 * </pre>
 * The bounded queue caps the samples in flight, so memory does not grow with the dataset. Shards,
 * resuming and bad samples are {@link StoreWriter}'s: shard k of a split covers dataset entries
 * [k·shardSize, (k+1)·shardSize); a finished shard is skipped on a re-run, so an interrupted run
 * resumes losing at most the shard it was writing. Output is deterministic for given inputs and
 * settings.
 */
public final class Extractor {
    private static final Object END = new Object();

    private final Path store;
    private final ExtractionOptions o;
    private final ProgressListener progress;

    private Extractor(Path store, ExtractionOptions options, ProgressListener progress) {
        this.store = store.toAbsolutePath().normalize();
        this.o = options;
        this.progress = progress;
    }

    /**
     * Runs the extraction into {@code store} (created, or resumed when it holds a store made with
     * the same dataset, encoders and settings).
     *
     * @throws FeatureException for unusable encoders, datasets or stores, and for a bad sample under --strict
     */
    public static ExtractionResult run(Path store, ExtractionOptions options, ProgressListener progress)
            throws IOException, OrtException {
        return new Extractor(store, options, progress).run();
    }

    private ExtractionResult run() throws IOException, OrtException {
        long t0 = System.nanoTime();
        DeviceSessions devices = new DeviceSessions(o.device(), o.threads()).spinning(false);
        try (EncoderSet encoders = EncoderSet.open(o, devices)) {
            StoreManifest base = ExtractionPlan.manifest(o, encoders, encoders.device());
            try (StoreWriter writer = StoreWriter.open(store, base, o.strict())) {
                ExtractionPlan.checkResumable(writer, o, store);
                BatchEncoder encoder = encoders.batchEncoder(o.batchSize());
                Map<String, ExtractionResult.SplitSummary> summaries = new LinkedHashMap<>();
                for (String split : ExtractionPlan.splits(o)) {
                    SamplePreparer preparer = encoders.preparer(o.dataset().labelNames(), o.dataset().indexFile(split));
                    StoreWriter.Split out = writer.split(split, ExtractionPlan.entries(o, split));
                    summaries.put(split, new SplitRun(out, encoder, preparer).execute());
                }
                writer.complete();
                return new ExtractionResult(store, encoders.device(), summaries, (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** One split's pipeline. */
    private final class SplitRun {
        private final StoreWriter.Split out;
        private final String split;
        private final BatchEncoder encoder;
        private final SamplePreparer preparer;

        SplitRun(StoreWriter.Split out, BatchEncoder encoder, SamplePreparer preparer) {
            this.out = out;
            this.split = out.name();
            this.encoder = encoder;
            this.preparer = preparer;
        }

        ExtractionResult.SplitSummary execute() throws IOException, OrtException {
            long done = out.finishedEntries();
            progress.splitStarted(split, out.entries(), done);
            long processed = 0;
            if (done < out.entries()) {
                processed = pipeline();
            }
            StoreManifest.SplitInfo info = out.info();
            progress.splitFinished(split, info.rows(), info.errors().size());
            return new ExtractionResult.SplitSummary(out.entries(), info.rows(), info.errors().size(), processed,
                    out.resumedShards());
        }

        /** Runs the reader → workers → sessions → writer pipeline over the unfinished shards. */
        private long pipeline() throws IOException, OrtException {
            AtomicInteger threadNo = new AtomicInteger();
            ExecutorService workers = Executors.newFixedThreadPool(o.workers(), r -> {
                Thread t = new Thread(r, "cggm-prepare-" + threadNo.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            BlockingQueue<Object> queue = new ArrayBlockingQueue<>(Math.max(16, 2 * o.batchSize()));
            Thread reader = new Thread(() -> read(workers, queue), "cggm-reader-" + split);
            reader.setDaemon(true);
            reader.start();
            Shard shard = null;
            List<Prepared> batch = new ArrayList<>(o.batchSize());
            long processed = 0;
            try {
                while (true) {
                    Object item = take(queue);
                    if (item == END) {
                        break;
                    }
                    if (item instanceof Throwable t) {
                        throw t instanceof FeatureException f ? f
                                : new FeatureException("cannot read dataset " + o.dataset().root() + ": " + t.getMessage(), t);
                    }
                    Prepared p = result(item);
                    int k = out.shardOf(p.position());
                    if (shard == null || shard.index() != k) {
                        if (shard != null) {
                            finish(shard, batch);
                        }
                        shard = out.open(k);
                    }
                    if (p.isBad()) {
                        out.bad(shard, p.error());
                    } else {
                        batch.add(p);
                        shard.covered(1);
                        if (batch.size() == o.batchSize()) {
                            encoder.encodeInto(batch, shard.writer());
                            batch.clear();
                        }
                    }
                    processed++;
                    progress.advanced(1);
                }
                if (shard != null) {
                    finish(shard, batch);
                    shard = null;
                }
                return processed;
            } finally {
                reader.interrupt();
                workers.shutdownNow();
                if (shard != null) {
                    shard.close(); // not committed: the partial file is deleted
                }
            }
        }

        private void read(ExecutorService workers, BlockingQueue<Object> queue) {
            try (SampleStream samples = o.dataset().open(split)) {
                while (samples.hasNext()) {
                    Sample s = samples.next();
                    if (s.position() >= out.entries()) {
                        break;
                    }
                    if (out.finished(out.shardOf(s.position()))) {
                        continue; // finished in an earlier run
                    }
                    Future<Prepared> f = workers.submit(() -> preparer.prepare(s));
                    queue.put(f);
                }
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                try {
                    queue.put(t);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void finish(Shard shard, List<Prepared> batch) throws IOException, OrtException {
            if (!batch.isEmpty()) {
                encoder.encodeInto(batch, shard.writer());
                batch.clear();
            }
            out.commit(shard);
            shard.close();
        }
    }

    private static Object take(BlockingQueue<Object> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FeatureException("extraction interrupted", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Prepared result(Object future) {
        try {
            return ((Future<Prepared>) future).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FeatureException("extraction interrupted", e);
        } catch (ExecutionException e) {
            throw new FeatureException("sample preparation failed: " + e.getCause(), e.getCause());
        }
    }
}
