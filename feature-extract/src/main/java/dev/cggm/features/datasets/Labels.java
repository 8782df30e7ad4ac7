package dev.cggm.features.datasets;

import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Class-name lists: a {@code labels.txt} (one name per line, blank lines and {@code #} comments ignored). */
public final class Labels {
    /** File name of an explicit label list in a dataset directory. */
    public static final String FILE = "labels.txt";

    private Labels() {
    }

    /** The list in {@code dir/labels.txt}, or null when there is none. */
    public static List<String> readIfPresent(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            if (!seen.add(s)) {
                throw new FeatureException(f + ": label '" + s + "' is listed twice");
            }
            names.add(s);
        }
        if (names.isEmpty()) {
            throw new FeatureException(f + " lists no labels");
        }
        return List.copyOf(names);
    }

    /** Writes a label list. */
    public static void write(Path dir, List<String> names) throws IOException {
        Files.write(dir.resolve(FILE), names, StandardCharsets.UTF_8);
    }
}
