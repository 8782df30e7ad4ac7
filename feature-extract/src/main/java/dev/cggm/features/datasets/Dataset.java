package dev.cggm.features.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A multimodal (image + text) classification dataset, read split by split. Implementations read
 * entries lazily; only per-split counts and the label list are held in memory.
 */
public interface Dataset {
    /** Format name as on the command line ({@code food101}, {@code jsonl}, {@code demo}). */
    String format();

    /** The dataset directory (or manifest file). */
    Path root();

    /** Class names; a sample's label is its index in this list. */
    List<String> labelNames();

    /** Split names in their natural order (e.g. train, dev, test). */
    List<String> splits();

    /** Number of entries of a split (good and bad). */
    long size(String split);

    /** The files that list the samples (hashed into the store manifest to detect a changed dataset). */
    List<Path> indexFiles();

    /** The file that lists a split's samples (named in messages about entries of that split). */
    Path indexFile(String split);

    /** Streams a split's entries in order. */
    SampleStream open(String split) throws IOException;
}
