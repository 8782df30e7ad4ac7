package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Features a user already has, in some layout, as rows for a feature store: what the store will
 * hold (task, classes, modalities) and, per split, the entries in order. Opening a source checks
 * the layout (files, keys, shapes) and fails with one line naming what is wrong; a bad entry
 * (missing key, wrong shape) comes back as an {@link Entry} with an error, to be skipped and listed.
 */
public interface ImportSource extends AutoCloseable {
    /** Format name ({@code mosi}, {@code iemocap}, {@code table}). */
    String format();

    /** What the user named (file or directory). */
    Path root();

    /** Every input file, in a fixed order: their SHA-256 is the store's provenance. */
    List<Path> inputFiles();

    StoreManifest.TaskInfo task();

    /** Class names (classification), empty otherwise. */
    List<String> labelNames();

    /** The store's modalities, in column order. */
    List<StoreManifest.ModalityInfo> modalities();

    /** Store split names, in order ({@code train}, {@code validation}, {@code test}). */
    List<String> splits();

    /** Entries in a split. */
    long size(String split);

    /** The split's entries in order, from position 0. */
    Rows rows(String split) throws IOException;

    @Override
    void close() throws IOException;

    /** A split's entries. */
    interface Rows extends AutoCloseable {
        boolean hasNext();

        /** The next entry. */
        Entry next() throws IOException;

        /** Moves past the next entry without building it (it lies in a finished shard). */
        default void skip() throws IOException {
            next();
        }

        @Override
        default void close() throws IOException {
        }

        /** Rows 0..n-1 of an in-memory source, each built on demand (skipping builds nothing). */
        static Rows indexed(long n, java.util.function.LongFunction<Entry> build) {
            return new Rows() {
                private long next;

                @Override
                public boolean hasNext() {
                    return next < n;
                }

                @Override
                public void skip() {
                    next++;
                }

                @Override
                public Entry next() {
                    return build.apply(next++);
                }
            };
        }
    }

    /**
     * One entry: a row, or why it cannot be used.
     *
     * @param position position in the split
     * @param row      the row (null when bad)
     * @param error    the problem (null when good)
     * @param file     the input file the row came from (named if a check rejects it), or null for the source's root
     */
    record Entry(long position, FeatureRow row, BadSampleException error, Path file) {
        public static Entry good(long position, FeatureRow row) {
            return new Entry(position, row, null, null);
        }

        public static Entry good(long position, FeatureRow row, Path file) {
            return new Entry(position, row, null, file);
        }

        public static Entry bad(long position, BadSampleException error) {
            return new Entry(position, null, error, null);
        }
    }
}
