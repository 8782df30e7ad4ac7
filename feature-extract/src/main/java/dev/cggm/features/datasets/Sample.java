package dev.cggm.features.datasets;

import java.nio.file.Path;

/**
 * One dataset entry as read, before any checking: id, text, image file and label name. Fields
 * may be null or blank when the entry lacks them; {@code problem} is set when the entry itself
 * is malformed (then the sample is reported as bad, keeping its position in the split).
 *
 * @param position 0-based index of the entry in its split (stable across runs; shards are cut by it)
 */
public record Sample(long position, String id, String text, Path image, String label, String problem) {
    /** The id, or {@code #<position>} when the entry has none (for messages). */
    public String displayId() {
        return id == null || id.isBlank() ? "#" + position : id;
    }
}
