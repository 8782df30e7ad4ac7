package dev.cggm.features.store;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes one shard: an Arrow IPC file of record batches, built in {@code <name>.arrow.tmp} (or a
 * temporary name given) and
 * renamed into place (after an fsync) only by {@link #commit}, so a shard file either is complete
 * or does not exist. Closing without committing deletes the temporary file. The SHA-256 of the
 * bytes is computed while writing.
 */
public final class ShardWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final MessageDigest digest;
    private final VectorSchemaRoot root;
    private final ArrowFileWriter writer;
    private boolean committed;
    private long rows;

    public ShardWriter(Path target, Schema schema, BufferAllocator allocator) throws IOException {
        this(target, target.resolveSibling(target.getFileName() + ".tmp"), schema, allocator);
    }

    /** Builds the file in {@code tmp} (e.g. a name of its own per Spark task attempt) instead of {@code <name>.tmp}. */
    public ShardWriter(Path target, Path tmp, Schema schema, BufferAllocator allocator) throws IOException {
        this.target = target;
        this.tmp = tmp;
        Files.createDirectories(target.getParent());
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        VectorSchemaRoot r = null;
        try {
            r = VectorSchemaRoot.create(schema, allocator);
            this.root = r;
            this.writer = new ArrowFileWriter(root, null, new Digesting(channel, digest));
            writer.start();
        } catch (IOException | RuntimeException e) {
            if (r != null) {
                r.close();
            }
            channel.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** The vectors of the batch being built. */
    public VectorSchemaRoot root() {
        return root;
    }

    /** Allocates every vector for {@code n} rows (call before filling a batch). */
    public void allocate(int n) {
        for (FieldVector v : root.getFieldVectors()) {
            v.setInitialCapacity(n);
            v.allocateNew();
        }
    }

    /** Writes the filled batch of {@code n} rows and releases its buffers. */
    public void writeBatch(int n) throws IOException {
        root.setRowCount(n);
        writer.writeBatch();
        rows += n;
        root.clear();
    }

    /** Rows written so far. */
    public long rows() {
        return rows;
    }

    /** Finishes the file, syncs it and moves it into place; returns its SHA-256. */
    public String commit() throws IOException {
        writer.end();
        writer.close();
        channel.force(true);
        channel.close();
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() throws IOException {
        try {
            if (!committed) {
                try {
                    writer.close();
                } catch (RuntimeException ignored) {
                    // the file is discarded anyway
                }
                channel.close();
                Files.deleteIfExists(tmp);
            }
        } finally {
            root.close();
        }
    }

    /** Passes writes through while hashing them. */
    private record Digesting(FileChannel out, MessageDigest digest) implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            ByteBuffer view = src.duplicate();
            int n = out.write(src);
            view.limit(view.position() + n);
            digest.update(view);
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // the owner closes the file channel after syncing it
        }
    }
}
