package dev.cggm.features.datasets;

import java.io.IOException;
import java.util.Iterator;

/** Entries of one split in order, read lazily (memory does not grow with the dataset). Close when done. */
public interface SampleStream extends Iterator<Sample>, AutoCloseable {
    @Override
    void close() throws IOException;
}
