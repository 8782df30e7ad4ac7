package dev.cggm.features.store;

import dev.cggm.features.FeatureException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
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

    /** The shard files of a split, in order. */
    public List<Path> shardFiles(String split) {
        StoreManifest.SplitInfo s = manifest.splits().get(split);
        if (s == null) {
            throw new FeatureException("feature store " + dir + " has no split '" + split + "' (splits: " + splits() + ")");
        }
        return s.shards().stream().map(sh -> dir.resolve(sh.file())).toList();
    }

    /** Iterates the record batches of a split, shard by shard. Close it (or exhaust it) to release the file. */
    public Batches batches(String split) {
        return new Batches(shardFiles(split));
    }

    /** Record batches of one split. */
    public final class Batches implements Iterable<FeatureBatch>, AutoCloseable {
        private final List<Path> files;
        private int nextFile;
        private ArrowFileReader reader;
        private FileChannel channel;
        private boolean iterated;

        private Batches(List<Path> files) {
            this.files = files;
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
                    return new FeatureBatch(current(), manifest);
                }
            };
        }

        private org.apache.arrow.vector.VectorSchemaRoot current() {
            try {
                return reader.getVectorSchemaRoot();
            } catch (IOException e) {
                throw new FeatureException("cannot read " + files.get(nextFile - 1) + ": " + e.getMessage(), e);
            }
        }

        private boolean advance() {
            try {
                while (true) {
                    if (reader != null && reader.loadNextBatch()) {
                        return true;
                    }
                    closeFile();
                    if (nextFile >= files.size()) {
                        return false;
                    }
                    Path f = files.get(nextFile++);
                    if (!Files.isRegularFile(f)) {
                        throw new FeatureException("feature store shard missing: " + f);
                    }
                    channel = FileChannel.open(f, StandardOpenOption.READ);
                    reader = new ArrowFileReader(channel, allocator);
                }
            } catch (IOException e) {
                throw new FeatureException("cannot read " + files.get(Math.max(0, nextFile - 1)) + ": "
                        + e.getMessage(), e);
            }
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
