package dev.cggm.features.store;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.StoreManifest.ModalityInfo;
import dev.cggm.features.store.StoreManifest.SampleError;
import dev.cggm.features.store.StoreManifest.ShardInfo;
import dev.cggm.features.store.StoreManifest.SplitInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a feature store, resumably — the part {@code extract} and {@code import} share:
 * <ul>
 *   <li>Opening checks the target: created when absent or empty; resumed when it holds a store
 *       made with the same content settings (dataset and its checksum, task, labels, shard size,
 *       precision, modalities); refused otherwise, naming what differs.</li>
 *   <li>Per split, shard k covers dataset entries [k·shardSize, (k+1)·shardSize). Shards whose
 *       file and sidecar exist are kept ({@link Split#finished}); the others are written with
 *       {@link Split#open} and {@link Split#commit}: the Arrow file atomically, then its sidecar,
 *       then the manifest ({@code in_progress}). A crash loses at most the shards in flight.</li>
 *   <li>Bad samples are skipped and listed ({@link BadRows}), or stop the run under --strict.</li>
 *   <li>{@link #complete()} marks the store complete.</li>
 * </ul>
 * Shards are independent files, so a distributed job can write a split's shards itself with
 * {@link Shard#create} (per partition) and let one {@code StoreWriter} publish them
 * ({@link Split#adoptFinished()}). One Arrow allocator per writer, closed with it.
 */
public final class StoreWriter implements AutoCloseable {
    private final Path dir;
    private final StoreManifest base;
    private final StoreManifest previous;
    private final Schema schema;
    private final BadRows badRows;
    private final BufferAllocator allocator;
    private final Map<String, SplitInfo> splits = new LinkedHashMap<>();

    private StoreWriter(Path dir, StoreManifest base, StoreManifest previous, boolean strict) {
        this.dir = dir;
        this.base = base;
        this.previous = previous;
        this.schema = FeatureSchema.of(base);
        this.badRows = new BadRows(strict, dir.resolve(StoreManifest.FILE).toString());
        this.allocator = new RootAllocator();
        if (previous != null) {
            splits.putAll(previous.splits()); // splits this run does not touch stay as they were
        }
    }

    /**
     * Opens {@code dir} for writing a store described by {@code base} (its status and splits are
     * ignored).
     *
     * @param strict stop at the first bad sample instead of skipping it
     * @throws FeatureException when {@code dir} is not a directory, holds something else, or holds a
     *                          store written with other settings
     */
    public static StoreWriter open(Path dir, StoreManifest base, boolean strict) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        StoreManifest previous = existing(d);
        if (previous != null && !previous.sameContentSettings(base)) {
            throw new FeatureException("feature store " + d + " was written with different settings ("
                    + differences(previous, base) + "); use another --out, or delete it to start over");
        }
        Files.createDirectories(d);
        return new StoreWriter(d, base, previous, strict);
    }

    /** The manifest of a store at {@code dir}, null if {@code dir} is absent or empty. */
    public static StoreManifest existing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return null;
        }
        if (!Files.isDirectory(dir)) {
            throw new FeatureException("--out " + dir + " exists and is not a directory");
        }
        if (Files.isRegularFile(dir.resolve(StoreManifest.FILE))) {
            return StoreManifest.read(dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent()) {
                throw new FeatureException("--out " + dir + " exists, is not empty and is not a feature store "
                        + "(no manifest.json); refusing to write into it");
            }
        }
        return null;
    }

    public Path dir() {
        return dir;
    }

    /** The manifest the store was found with when this writer opened it (null for a new store). */
    public StoreManifest previous() {
        return previous;
    }

    /** The store's description (status and splits aside). */
    public StoreManifest base() {
        return base;
    }

    /** The Arrow schema of every shard. */
    public Schema schema() {
        return schema;
    }

    public BufferAllocator allocator() {
        return allocator;
    }

    /**
     * Starts (or resumes) a split of {@code entries} dataset entries: finds its finished shards and
     * publishes them in the manifest.
     */
    public Split split(String name, long entries) throws IOException {
        Split s = new Split(name, entries);
        s.publish();
        return s;
    }

    /** Writes the manifest with status {@code complete}. */
    public void complete() throws IOException {
        base.with(StoreManifest.COMPLETE, splits).write(dir);
    }

    @Override
    public void close() {
        allocator.close();
    }

    /** One split's shards. */
    public final class Split {
        private final String name;
        private final long entries;
        private final ShardInfo[] shards;
        private final int resumed;

        private Split(String name, long entries) {
            this.name = name;
            this.entries = entries;
            this.shards = new ShardInfo[(int) ((entries + base.shardSize() - 1) / base.shardSize())];
            int found = 0;
            for (int k = 0; k < shards.length; k++) {
                shards[k] = Shard.finished(dir, name, k, firstEntry(k), expectedEntries(k));
                found += shards[k] != null ? 1 : 0;
            }
            this.resumed = found;
        }

        public String name() {
            return name;
        }

        /** Dataset entries of the split. */
        public long entries() {
            return entries;
        }

        public int shardCount() {
            return shards.length;
        }

        /** The shard holding dataset entry {@code position}. */
        public int shardOf(long position) {
            return (int) (position / base.shardSize());
        }

        /** Whether shard k was found finished (or has been committed). */
        public boolean finished(int k) {
            return shards[k] != null;
        }

        /** Shards found finished when the split was opened. */
        public int resumedShards() {
            return resumed;
        }

        /** Entries covered by finished shards. */
        public long finishedEntries() {
            long n = 0;
            for (ShardInfo s : shards) {
                n += s != null ? s.samples() : 0;
            }
            return n;
        }

        /** Rows and bad samples so far, as in the manifest. */
        public SplitInfo info() {
            return splits.get(name);
        }

        /** Starts writing shard k. */
        public Shard open(int k) throws IOException {
            return Shard.create(dir, name, k, firstEntry(k), expectedEntries(k), schema, allocator);
        }

        /** Applies the bad-sample policy and records the sample as skipped in {@code shard}. */
        public void bad(Shard shard, BadSampleException e) {
            shard.bad(badRows.handle(name, e));
        }

        /** Commits the shard (file, sidecar) and publishes it in the manifest. */
        public void commit(Shard shard) throws IOException {
            shards[shard.index()] = shard.commit();
            publish();
        }

        /** Re-reads sidecars of shards written elsewhere (e.g. by a distributed job) and publishes them. */
        public void adoptFinished() throws IOException {
            for (int k = 0; k < shards.length; k++) {
                if (shards[k] == null) {
                    shards[k] = Shard.finished(dir, name, k, firstEntry(k), expectedEntries(k));
                }
            }
            publish();
        }

        private long firstEntry(int k) {
            return (long) k * base.shardSize();
        }

        private long expectedEntries(int k) {
            return Math.min(base.shardSize(), entries - firstEntry(k));
        }

        private void publish() throws IOException {
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
            splits.put(name, new SplitInfo(entries, rows, done, errors));
            base.with(StoreManifest.IN_PROGRESS, splits).write(dir);
        }
    }

    /** What differs between an existing store's settings and this run's, in words. */
    static String differences(StoreManifest a, StoreManifest b) {
        List<String> d = new ArrayList<>();
        if (!a.dataset().equals(b.dataset())) {
            d.add("dataset " + a.dataset() + " vs now " + b.dataset());
        }
        if (!a.task().equals(b.task())) {
            d.add("task " + a.task() + " vs now " + b.task());
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
                    d.add("modality " + (x != null ? x.name() : y.name()) + " (encoder, checksum, shape, length, "
                            + "preprocessing or pooling)");
                }
            }
        }
        return String.join("; ", d);
    }
}
