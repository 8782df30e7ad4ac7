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
    private long entries;

    private Shard(Path store, String split, int index, long firstEntry, long expectedEntries, ShardWriter writer) {
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
        Path file = store.resolve(StoreLayout.shardFile(split, index));
        return new Shard(store, split, index, firstEntry, expectedEntries, new ShardWriter(file, schema, allocator));
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
        StoreManifest.writeJsonFile(StoreLayout.sidecar(store.resolve(rel)), info);
        return info;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
