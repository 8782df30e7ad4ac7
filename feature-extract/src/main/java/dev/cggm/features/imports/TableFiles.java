package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.dataset.source.DatasetFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Record batches of one table file: Parquet through Arrow's dataset module (its JNI library,
 * with column projection), Arrow IPC (file or stream format, told apart by the {@code ARROW1}
 * magic) through Arrow Java. Batches are views valid until the next {@link #next()}.
 */
final class TableFiles implements AutoCloseable {
    private static final byte[] ARROW_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};
    private static final long BATCH_ROWS = 1024;

    private final Path file;
    private final AutoCloseable[] owned;
    private final ArrowReader reader;

    private TableFiles(Path file, ArrowReader reader, AutoCloseable... owned) {
        this.file = file;
        this.reader = reader;
        this.owned = owned;
    }

    /** Whether the name looks like a table file this reader takes. */
    static boolean isTable(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".parquet") || n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc")
                || n.endsWith(".arrows");
    }

    /**
     * Opens {@code file}; {@code columns} (null = all) are the columns to read (only Parquet skips
     * the others).
     */
    static TableFiles open(Path file, List<String> columns, BufferAllocator allocator) {
        try {
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
                return parquet(file, columns, allocator);
            }
            byte[] head = new byte[6];
            try (InputStream in = Files.newInputStream(file)) {
                int n = in.readNBytes(head, 0, 6);
                if (n == 6 && Arrays.equals(head, ARROW_MAGIC)) {
                    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                    return new TableFiles(file, new ArrowFileReader(ch, allocator), ch);
                }
            }
            InputStream in = Files.newInputStream(file);
            return new TableFiles(file, new ArrowStreamReader(in, allocator), in);
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
    }

    private static TableFiles parquet(Path file, List<String> columns, BufferAllocator allocator) {
        DatasetFactory factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(),
                FileFormat.PARQUET, file.toAbsolutePath().toUri().toString());
        Dataset dataset = null;
        Scanner scanner = null;
        try {
            dataset = factory.finish();
            ScanOptions options = columns == null ? new ScanOptions(BATCH_ROWS)
                    : new ScanOptions(BATCH_ROWS, java.util.Optional.of(columns.toArray(String[]::new)));
            scanner = dataset.newScan(options);
            return new TableFiles(file, scanner.scanBatches(), scanner, dataset, factory);
        } catch (RuntimeException e) {
            closeQuietly(scanner, dataset, factory);
            throw e;
        }
    }

    /** The current batch's vectors. */
    VectorSchemaRoot root() {
        try {
            return reader.getVectorSchemaRoot();
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
    }

    /** Loads the next batch; false at the end. */
    boolean next() {
        try {
            return reader.loadNextBatch();
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
    }

    static FeatureException unreadable(Path file, Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new FeatureException("cannot read table " + file + ": " + m + " (truncated or not a Parquet/Arrow file?)",
                e);
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already failing
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException | RuntimeException e) {
            // closing after a read failure: nothing more to report
        }
        closeQuietly(owned);
    }
}
