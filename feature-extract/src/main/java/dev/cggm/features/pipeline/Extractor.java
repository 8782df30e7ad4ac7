package dev.cggm.features.pipeline;

import ai.onnxruntime.OrtException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.datasets.SampleStream;
import dev.cggm.features.encoders.ImageEncoder;
import dev.cggm.features.encoders.TextEncoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.store.FeatureSchema;
import dev.cggm.features.store.ShardWriter;
import dev.cggm.features.store.StoreChecks;
import dev.cggm.features.store.StoreLayout;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreManifest.ModalityInfo;
import dev.cggm.features.store.StoreManifest.SampleError;
import dev.cggm.features.store.StoreManifest.ShardInfo;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.onnx.artifacts.Version;
import dev.cggm.onnx.runtime.DeviceSessions;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
import java.util.stream.Stream;

/**
 * Extracts a dataset into a feature store. Per split, a pipeline:
 * <pre>
 *   reader thread ──► worker pool (check, decode + resize image, tokenize)
 *        └─ futures, in dataset order ─► bounded queue ─► this thread: batches ─► text and image
 *           sessions ─► Arrow record batch ─► shard file (atomic) ─► sidecar + manifest
 * </pre>
 * The bounded queue caps the samples in flight, so memory does not grow with the dataset. Shard
 * k of a split covers dataset entries [k·shardSize, (k+1)·shardSize); a shard whose file and
 * sidecar exist is skipped on a re-run, so an interrupted run resumes losing at most the shard
 * it was writing. Output is deterministic for given inputs and settings.
 */
public final class Extractor {
    private static final Logger LOG = LoggerFactory.getLogger(Extractor.class);
    private static final int MAX_LOGGED_BAD_SAMPLES = 20;
    private static final Object END = new Object();

    private final Path store;
    private final ExtractionOptions o;
    private final ProgressListener progress;
    private int loggedBad;

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
        StoreManifest existing = existingStore();
        DeviceSessions devices = new DeviceSessions(o.device(), o.threads()).spinning(false);
        try (TextTokenizer tokenizer = TextTokenizer.load(o.text().tokenizer(), o.maxLength());
             TextEncoder text = TextEncoder.open(o.text(), tokenizer, devices);
             ImageEncoder image = ImageEncoder.open(o.image(), o.imagePreprocessing(), devices);
             BufferAllocator allocator = new RootAllocator()) {
            FeatureColumn textCol = new FeatureColumn("text", text.sequenceLength(), text.hiddenSize(), o.textPooling(),
                    o.precision());
            FeatureColumn imageCol = new FeatureColumn("image", image.sequenceLength(), image.hiddenSize(),
                    o.imagePooling(), o.precision());
            List<ModalityInfo> modalities = List.of(textInfo(textCol), imageInfo(imageCol, image.preprocessing()));
            StoreManifest base = new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION,
                    StoreManifest.IN_PROGRESS, datasetInfo(), o.dataset().labelNames(), o.shardSize(),
                    o.precision().id(), modalities, new LinkedHashMap<>(),
                    new StoreManifest.ExecutionInfo(String.valueOf(devices.resolved()), o.batchSize(), o.threads(),
                            o.workers(), Version.get()));
            if (existing != null && !existing.sameContentSettings(base)) {
                throw new FeatureException("feature store " + store + " was written with different settings ("
                        + differences(existing, base) + "); use another --out, or delete it to start over");
            }
            if (existing != null && existing.execution() != null && existing.execution().batchSize() != o.batchSize()) {
                // quantized encoders compute activation scales per batch: values depend on the batching
                throw new FeatureException("feature store " + store + " was written with --batch-size "
                        + existing.execution().batchSize() + "; resume with the same batch size (features of "
                        + "quantized encoders depend on how samples are batched)");
            }
            Files.createDirectories(store);
            Schema schema = FeatureSchema.of(modalities, o.precision());
            BatchEncoder encoder = new BatchEncoder(text, image, textCol, imageCol, o.batchSize());
            Map<String, ExtractionResult.SplitSummary> summaries = new LinkedHashMap<>();
            Map<String, StoreManifest.SplitInfo> splitInfos = new LinkedHashMap<>();
            for (String split : splitsToRun()) {
                SamplePreparer preparer = new SamplePreparer(o.dataset().labelNames(), tokenizer,
                        new ImagePreprocessor(image.preprocessing()), o.dataset().indexFile(split));
                SplitRun run = new SplitRun(split, schema, allocator, encoder, preparer, splitInfos, base);
                summaries.put(split, run.execute());
            }
            withStatus(base, splitInfos, StoreManifest.COMPLETE).write(store);
            return new ExtractionResult(store, String.valueOf(devices.resolved()), summaries,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private List<String> splitsToRun() {
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

    /** The manifest of an existing store at the target, null if the target is absent or empty. */
    private StoreManifest existingStore() throws IOException {
        if (!Files.exists(store)) {
            return null;
        }
        if (!Files.isDirectory(store)) {
            throw new FeatureException("--out " + store + " exists and is not a directory");
        }
        if (Files.isRegularFile(store.resolve(StoreManifest.FILE))) {
            return StoreManifest.read(store);
        }
        try (Stream<Path> s = Files.list(store)) {
            if (s.findAny().isPresent()) {
                throw new FeatureException("--out " + store + " exists, is not empty and is not a feature store "
                        + "(no manifest.json); refusing to write into it");
            }
        }
        return null;
    }

    private static String differences(StoreManifest a, StoreManifest b) {
        List<String> d = new ArrayList<>();
        if (!a.dataset().equals(b.dataset())) {
            d.add("dataset " + a.dataset() + " vs now " + b.dataset());
        }
        if (!a.labelNames().equals(b.labelNames())) {
            d.add("label names");
        }
        if (a.shardSize() != b.shardSize()) {
            d.add("shard size " + a.shardSize() + " vs now " + b.shardSize());
        }
        if (!a.precision().equals(b.precision())) {
            d.add("precision " + a.precision() + " vs now " + b.precision());
        }
        if (!a.modalities().equals(b.modalities())) {
            for (int i = 0; i < Math.max(a.modalities().size(), b.modalities().size()); i++) {
                ModalityInfo x = i < a.modalities().size() ? a.modalities().get(i) : null;
                ModalityInfo y = i < b.modalities().size() ? b.modalities().get(i) : null;
                if (x == null || !x.equals(y)) {
                    d.add("modality " + (x != null ? x.name() : y.name()) + " (encoder, checksum, length, "
                            + "preprocessing or pooling)");
                }
            }
        }
        return String.join("; ", d);
    }

    private StoreManifest.DatasetInfo datasetInfo() throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path f : o.dataset().indexFiles()) {
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        return new StoreManifest.DatasetInfo(o.dataset().format(), o.dataset().root().toString(),
                HexFormat.of().formatHex(md.digest()));
    }

    private ModalityInfo textInfo(FeatureColumn c) {
        return new ModalityInfo(c.name, o.text().name(), o.text().model().location(), o.text().model().sha256(), true,
                new StoreManifest.FileInfo(o.text().tokenizer().location(), o.text().tokenizer().sha256()),
                o.maxLength(), null, shape(c), List.of(c.seqLen, c.hidden), c.pooling.id(),
                c.name + FeatureSchema.LENGTH_SUFFIX);
    }

    private ModalityInfo imageInfo(FeatureColumn c, PreprocessorConfig p) {
        List<Float> mean = new ArrayList<>();
        List<Float> std = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mean.add(p.mean()[i]);
            std.add(p.std()[i]);
        }
        return new ModalityInfo(c.name, o.image().name(), o.image().model().location(), o.image().model().sha256(),
                o.image().pretrained(), null, null,
                new StoreManifest.PreprocessingInfo(p.height(), p.width(), p.rescaleFactor(), mean, std, "bilinear"),
                shape(c), List.of(c.seqLen, c.hidden), c.pooling.id(), c.name + FeatureSchema.LENGTH_SUFFIX);
    }

    private static List<Integer> shape(FeatureColumn c) {
        return c.pooling == dev.cggm.features.store.Pooling.NONE ? List.of(c.seqLen, c.hidden) : List.of(c.hidden);
    }

    private static StoreManifest withStatus(StoreManifest m, Map<String, StoreManifest.SplitInfo> splits, String status) {
        return new StoreManifest(m.format(), m.version(), status, m.dataset(), m.labelNames(), m.shardSize(),
                m.precision(), m.modalities(), new LinkedHashMap<>(splits), m.execution());
    }

    /** One split's pipeline. */
    private final class SplitRun {
        private final String split;
        private final Schema schema;
        private final BufferAllocator allocator;
        private final BatchEncoder encoder;
        private final SamplePreparer preparer;
        private final Map<String, StoreManifest.SplitInfo> splitInfos;
        private final StoreManifest base;
        private final long total;
        private final ShardInfo[] shards;

        SplitRun(String split, Schema schema, BufferAllocator allocator, BatchEncoder encoder, SamplePreparer preparer,
                 Map<String, StoreManifest.SplitInfo> splitInfos, StoreManifest base) {
            this.split = split;
            this.schema = schema;
            this.allocator = allocator;
            this.encoder = encoder;
            this.preparer = preparer;
            this.splitInfos = splitInfos;
            this.base = base;
            long size = o.dataset().size(split);
            this.total = o.limit() > 0 ? Math.min(size, o.limit()) : size;
            this.shards = new ShardInfo[(int) ((total + o.shardSize() - 1) / o.shardSize())];
        }

        private long expectedSamples(int k) {
            return Math.min(o.shardSize(), total - (long) k * o.shardSize());
        }

        ExtractionResult.SplitSummary execute() throws IOException, OrtException {
            int resumed = 0;
            long done = 0;
            for (int k = 0; k < shards.length; k++) {
                ShardInfo s = finishedShard(k);
                if (s != null) {
                    shards[k] = s;
                    resumed++;
                    done += s.samples();
                }
            }
            publish(StoreManifest.IN_PROGRESS);
            progress.splitStarted(split, total, done);
            long processed = 0;
            if (done < total) {
                processed = pipeline();
            }
            StoreManifest.SplitInfo info = splitInfos.get(split);
            progress.splitFinished(split, info.rows(), info.errors().size());
            return new ExtractionResult.SplitSummary(total, info.rows(), info.errors().size(), processed, resumed);
        }

        /**
         * The sidecar of shard k when the shard is finished, covers what this run expects and is
         * intact (its SHA-256 is the sidecar's): a damaged shard is extracted again.
         */
        private ShardInfo finishedShard(int k) {
            String rel = StoreLayout.shardFile(split, k);
            Path arrow = store.resolve(rel);
            Path side = StoreLayout.sidecar(arrow);
            if (!Files.isRegularFile(arrow) || !Files.isRegularFile(side)) {
                return null;
            }
            try {
                ShardInfo s = StoreManifest.JSON.readValue(side.toFile(), ShardInfo.class);
                boolean matches = rel.equals(s.file()) && s.firstSample() == (long) k * o.shardSize()
                        && s.samples() == expectedSamples(k);
                if (matches && !StoreChecks.sha256(arrow).equals(s.sha256())) {
                    LOG.warn("shard {} is damaged (its checksum differs from its sidecar's): extracting it again", rel);
                    return null;
                }
                return matches ? s : null;
            } catch (IOException e) {
                return null; // unreadable sidecar: redo the shard
            }
        }

        private void publish(String status) throws IOException {
            long rows = 0;
            List<ShardInfo> done = new ArrayList<>();
            List<SampleError> errors = new ArrayList<>();
            for (ShardInfo s : shards) {
                if (s != null) {
                    done.add(s);
                    rows += s.rows();
                    errors.addAll(s.errors());
                }
            }
            splitInfos.put(split, new StoreManifest.SplitInfo(total, rows, done, errors));
            withStatus(base, splitInfos, status).write(store);
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
            Open shard = null;
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
                    int k = (int) (p.position() / o.shardSize());
                    if (shard == null || shard.k != k) {
                        if (shard != null) {
                            finish(shard, batch);
                        }
                        shard = new Open(k, new ShardWriter(store.resolve(StoreLayout.shardFile(split, k)), schema,
                                allocator));
                    }
                    if (p.isBad()) {
                        bad(shard, p);
                    } else {
                        batch.add(p);
                        if (batch.size() == o.batchSize()) {
                            encoder.encodeInto(batch, shard.writer);
                            batch.clear();
                        }
                    }
                    shard.samples++;
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
                    shard.writer.close(); // not committed: the partial file is deleted
                }
            }
        }

        private void read(ExecutorService workers, BlockingQueue<Object> queue) {
            try (SampleStream samples = o.dataset().open(split)) {
                while (samples.hasNext()) {
                    Sample s = samples.next();
                    if (s.position() >= total) {
                        break;
                    }
                    if (shards[(int) (s.position() / o.shardSize())] != null) {
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

        private void bad(Open shard, Prepared p) {
            var e = p.error();
            if (o.strict()) {
                throw new FeatureException("bad sample in split " + split + " (--strict): " + e.getMessage()
                        + "; finished shards are kept, re-run to resume", e);
            }
            shard.errors.add(new SampleError(e.sampleId(), e.file() == null ? null : e.file().toString(), e.reason()));
            if (loggedBad < MAX_LOGGED_BAD_SAMPLES) {
                LOG.warn("skipping {} in split {}", e.getMessage(), split);
            } else if (loggedBad == MAX_LOGGED_BAD_SAMPLES) {
                LOG.warn("further bad samples are not logged; all are listed in {}", store.resolve(StoreManifest.FILE));
            }
            loggedBad++;
        }

        private void finish(Open shard, List<Prepared> batch) throws IOException, OrtException {
            if (!batch.isEmpty()) {
                encoder.encodeInto(batch, shard.writer);
                batch.clear();
            }
            long rows = shard.writer.rows();
            String sha = shard.writer.commit();
            shard.writer.close();
            String rel = StoreLayout.shardFile(split, shard.k);
            ShardInfo info = new ShardInfo(rel, (long) shard.k * o.shardSize(), shard.samples, rows, sha,
                    List.copyOf(shard.errors));
            if (shard.samples != expectedSamples(shard.k)) {
                throw new IllegalStateException("shard " + rel + " covered " + shard.samples + " entries, expected "
                        + expectedSamples(shard.k));
            }
            StoreManifest.writeJsonFile(StoreLayout.sidecar(store.resolve(rel)), info);
            shards[shard.k] = info;
            publish(StoreManifest.IN_PROGRESS);
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

    /** The shard being written. */
    private static final class Open {
        final int k;
        final ShardWriter writer;
        final List<SampleError> errors = new ArrayList<>();
        long samples;

        Open(int k, ShardWriter writer) {
            this.k = k;
            this.writer = writer;
        }
    }
}
