package dev.cggm.features.store;

import dev.cggm.features.store.StoreManifest.SampleError;
import dev.cggm.features.store.StoreManifest.ShardInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One shard of a split being written: dataset entries [first, first + expected) become an Arrow
 * file ({@link ShardWriter}: temporary name, renamed when complete) and then its JSON sidecar.
 * Needs nothing but the store directory and the schema, so a distributed job can write its
 * partitions as shards independently; {@link StoreWriter} (on one machine) records finished
 * shards in the manifest. Closing an uncommitted shard deletes its partial file.
 */
public final class Shard implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Shard.class);
    private final Path store;
    private final String split;
    private final int index;
    private final long firstEntry;
    private final long expectedEntries;
    private final ShardWriter writer;
    private final List<SampleError> errors = new ArrayList<>();
    private final String attempt;
    private long entries;

    private Shard(Path store, String split, int index, long firstEntry, long expectedEntries, ShardWriter writer,
                  String attempt) {
        this.attempt = attempt;
        this.store = store;
        this.split = split;
        this.index = index;
        this.firstEntry = firstEntry;
        this.expectedEntries = expectedEntries;
        this.writer = writer;
    }

    /**
     * Starts shard {@code index} of {@code split}, covering {@code expectedEntries} dataset entries
     * from position {@code firstEntry}.
     */
    public static Shard create(Path store, String split, int index, long firstEntry, long expectedEntries,
                               Schema schema, BufferAllocator allocator) throws IOException {
        return create(store, split, index, firstEntry, expectedEntries, schema, allocator, null);
    }

    /**
     * As {@link #create(Path, String, int, long, long, Schema, BufferAllocator)}, with temporary
     * files of this writer's own ({@code part-NNNNN.arrow.<attempt>.tmp}, {@code part-NNNNN.json.<attempt>.tmp}):
     * two attempts at the same shard (a Spark task retried while a lost executor still writes)
     * never write the same temporary file; each commit is an atomic rename of complete files.
     *
     * @param attempt letters, digits, '-' and '_' naming the attempt; null for the plain {@code .tmp} names
     */
    public static Shard create(Path store, String split, int index, long firstEntry, long expectedEntries,
                               Schema schema, BufferAllocator allocator, String attempt) throws IOException {
        if (attempt != null && !attempt.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("attempt tag must be letters, digits, '-' or '_', got '" + attempt + "'");
        }
        Path file = store.resolve(StoreLayout.shardFile(split, index));
        Path tmp = file.resolveSibling(file.getFileName() + (attempt == null ? "" : "." + attempt) + ".tmp");
        return new Shard(store, split, index, firstEntry, expectedEntries, new ShardWriter(file, tmp, schema, allocator),
                attempt);
    }

    /**
     * Deletes temporary files that attempts left in {@code split}'s directory (an attempt killed
     * with its executor cannot clean up). Call only while no attempt runs.
     *
     * @return how many were deleted
     */
    public static int deleteAttemptLeftovers(Path store, String split) throws IOException {
        Path dir = store.resolve(split);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().matches("part-\\d+\\.(arrow|json)\\.[A-Za-z0-9_-]+\\.tmp")) {
                    Files.deleteIfExists(f);
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * The sidecar of a finished shard when its file and sidecar exist, it covers exactly the
     * expected entries and the file is intact (its SHA-256 is the sidecar's); null otherwise (the
     * shard must be (re)written: a damaged shard is written again).
     */
    public static ShardInfo finished(Path store, String split, int index, long firstEntry, long expectedEntries) {
        String rel = StoreLayout.shardFile(split, index);
        Path arrow = store.resolve(rel);
        Path side = StoreLayout.sidecar(arrow);
        if (!Files.isRegularFile(arrow) || !Files.isRegularFile(side)) {
            return null;
        }
        try {
            ShardInfo s = StoreManifest.JSON.readValue(side.toFile(), ShardInfo.class);
            boolean matches = rel.equals(s.file()) && s.firstSample() == firstEntry && s.samples() == expectedEntries;
            if (matches && !StoreChecks.sha256(arrow).equals(s.sha256())) {
                LOG.warn("shard {} is damaged (its checksum differs from its sidecar's): writing it again", rel);
                return null;
            }
            return matches ? s : null;
        } catch (IOException e) {
            return null; // unreadable sidecar: redo the shard
        }
    }

    public int index() {
        return index;
    }

    public String split() {
        return split;
    }

    /** The Arrow file being written (fill its root, then {@link ShardWriter#writeBatch}). */
    public ShardWriter writer() {
        return writer;
    }

    /** Counts {@code n} dataset entries as covered (written or skipped as bad). */
    public void covered(long n) {
        entries += n;
    }

    /** Records a bad entry (also counts it as covered). */
    public void bad(SampleError error) {
        errors.add(error);
        entries++;
    }

    /** Entries covered so far. */
    public long entries() {
        return entries;
    }

    /**
     * Finishes the Arrow file (synced, renamed into place), then writes the sidecar; returns the
     * sidecar's content.
     *
     * @throws IllegalStateException if the shard did not cover exactly its expected entries
     */
    public ShardInfo commit() throws IOException {
        if (entries != expectedEntries) {
            throw new IllegalStateException("shard " + StoreLayout.shardFile(split, index) + " covered " + entries
                    + " entries, expected " + expectedEntries);
        }
        long rows = writer.rows();
        String sha = writer.commit();
        String rel = StoreLayout.shardFile(split, index);
        ShardInfo info = new ShardInfo(rel, firstEntry, entries, rows, sha, List.copyOf(errors));
        Path side = StoreLayout.sidecar(store.resolve(rel));
        StoreManifest.writeJsonFile(side, info, attempt == null ? side.getFileName() + ".tmp"
                : side.getFileName() + "." + attempt + ".tmp");
        return info;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
