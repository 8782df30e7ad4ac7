package dev.cggm.features.store;

import dev.cggm.features.FeatureException;
import dev.cggm.onnx.artifacts.JsonErrors;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reading side of a feature store: the manifest and, per split, its record batches in order.
 * <pre>{@code
 * try (FeatureStore store = FeatureStore.open(dir);
 *      FeatureStore.Batches batches = store.batches("train")) {
 *     for (FeatureBatch b : batches) {
 *         FloatBuffer text = b.floats("text");   // rowCount × L·D, over Arrow memory
 *         ...
 *     }
 * }
 * }</pre>
 * Each batch is a view valid until the iteration moves on. One Arrow allocator per store;
 * closing the store checks that every buffer was released.
 */
public final class FeatureStore implements AutoCloseable {
    private final Path dir;
    private final StoreManifest manifest;
    private final BufferAllocator allocator;

    private FeatureStore(Path dir, StoreManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
        this.allocator = new RootAllocator();
    }

    /** Opens a store directory (reads {@code manifest.json}). */
    public static FeatureStore open(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return new FeatureStore(d, StoreManifest.read(d));
    }

    public Path dir() {
        return dir;
    }

    public StoreManifest manifest() {
        return manifest;
    }

    /** Splits with at least one finished shard. */
    public List<String> splits() {
        return List.copyOf(manifest.splits().keySet());
    }

    /** The shard files of a split, in order (inside the store: the manifest was checked when it was read). */
    public List<Path> shardFiles(String split) {
        return shards(split).stream().map(sh -> StoreChecks.shardPath(dir, sh.file(), StoreManifest.FILE)).toList();
    }

    private List<StoreManifest.ShardInfo> shards(String split) {
        StoreManifest.SplitInfo s = manifest.splits().get(split);
        if (s == null) {
            throw new FeatureException("feature store " + dir + " has no split '" + split + "' (splits: " + splits() + ")");
        }
        return s.shards();
    }

    /**
     * Iterates the record batches of a split, shard by shard. Each shard is verified before it is
     * read (its checksum against its sidecar, its schema against the manifest) and each batch's
     * features must be finite; a failure is an {@link InvalidStoreException} naming the shard (or
     * the sample). Close it (or exhaust it) to release the file.
     */
    public Batches batches(String split) {
        return new Batches(split, shards(split));
    }

    /** Record batches of one split. */
    public final class Batches implements Iterable<FeatureBatch>, AutoCloseable {
        private final String split;
        private final List<StoreManifest.ShardInfo> shards;
        private int nextShard;
        private StoreManifest.ShardInfo shard;
        private long shardRows;
        private ArrowFileReader reader;
        private FileChannel channel;
        private boolean iterated;

        private Batches(String split, List<StoreManifest.ShardInfo> shards) {
            this.split = split;
            this.shards = shards;
        }

        @Override
        public Iterator<FeatureBatch> iterator() {
            if (iterated) {
                throw new IllegalStateException("batches can be iterated once; call batches(split) again");
            }
            iterated = true;
            return new Iterator<>() {
                private Boolean ready;

                @Override
                public boolean hasNext() {
                    if (ready == null) {
                        ready = advance();
                    }
                    return ready;
                }

                @Override
                public FeatureBatch next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    ready = null;
                    FeatureBatch b = new FeatureBatch(current(), manifest);
                    StoreChecks.requireFinite(dir, split, b, manifest);
                    return b;
                }
            };
        }

        private org.apache.arrow.vector.VectorSchemaRoot current() {
            try {
                return reader.getVectorSchemaRoot();
            } catch (IOException | RuntimeException e) {
                throw unreadable(e);
            }
        }

        private boolean advance() {
            try {
                while (true) {
                    if (reader != null && reader.loadNextBatch()) {
                        shardRows += reader.getVectorSchemaRoot().getRowCount();
                        return true;
                    }
                    if (reader != null) {
                        StoreChecks.checkRows(dir, shard, shardRows);
                    }
                    closeFile();
                    if (nextShard >= shards.size()) {
                        return false;
                    }
                    shard = shards.get(nextShard++);
                    shardRows = 0;
                    Path f = StoreChecks.shardPath(dir, shard.file(), StoreManifest.FILE);
                    StoreChecks.verifyShard(dir, shard, f);
                    channel = FileChannel.open(f, StandardOpenOption.READ);
                    reader = new ArrowFileReader(channel, allocator);
                    StoreChecks.checkSchema(dir, shard.file(), reader.getVectorSchemaRoot().getSchema(), manifest);
                }
            } catch (InvalidStoreException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                // a file that passed its checksum but still is not Arrow (or a read error)
                throw unreadable(e);
            }
        }

        /** A shard that passed its checksum but cannot be read: named, without the reader's raw bytes. */
        private InvalidStoreException unreadable(Exception e) {
            String why = e instanceof IOException && e.getMessage() != null ? JsonErrors.firstLine(e.getMessage())
                    : "not a valid Arrow IPC file: " + e.getClass().getSimpleName();
            return new InvalidStoreException("feature store " + dir + ": cannot read shard "
                    + (shard == null ? "?" : shard.file()) + " (" + why + "); " + StoreChecks.REDO_STORE, e);
        }

        private void closeFile() throws IOException {
            if (reader != null) {
                reader.close();
                reader = null;
            }
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }

        @Override
        public void close() {
            try {
                closeFile();
            } catch (IOException e) {
                throw new FeatureException("cannot close shard: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        allocator.close();
    }
}
