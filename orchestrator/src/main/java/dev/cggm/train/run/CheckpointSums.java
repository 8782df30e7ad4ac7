package dev.cggm.train.run;

import dev.cggm.features.store.StoreChecks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's {@code SHA256SUMS}: the SHA-256 of each of its files, in {@code sha256sum}'s
 * format (so {@code sha256sum -c SHA256SUMS} checks one by hand). Parsing catches a truncated
 * file; the sums also catch bytes changed in place — a flipped bit in a weight would otherwise
 * resume silently with a wrong model. Checkpoints written before the sums existed have no file
 * and are read unverified.
 */
final class CheckpointSums {
    static final String FILE = "SHA256SUMS";

    private CheckpointSums() {
    }

    /** Writes the sums of {@code files} (names inside {@code dir}). */
    static void write(Path dir, List<String> files) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String f : files) {
            out.append(StoreChecks.sha256(dir.resolve(f))).append("  ").append(f).append('\n');
        }
        Files.writeString(dir.resolve(FILE), out, StandardCharsets.UTF_8);
    }

    /**
     * Checks {@code files} against the recorded sums, when there are any.
     *
     * @throws IOException naming the first file whose bytes differ from what was written, or a sums
     *                     file that does not list every file
     */
    static void verify(Path dir, List<String> files) throws IOException {
        Path sums = dir.resolve(FILE);
        if (!Files.isRegularFile(sums)) {
            return;
        }
        Map<String, String> recorded = new LinkedHashMap<>();
        for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
            int gap = line.indexOf("  ");
            if (gap == 64) {
                recorded.put(line.substring(gap + 2), line.substring(0, gap));
            }
        }
        for (String f : files) {
            String want = recorded.get(f);
            if (want == null) {
                throw new IOException(FILE + " does not list " + f);
            }
            String have = StoreChecks.sha256(dir.resolve(f));
            if (!have.equals(want)) {
                throw new IOException(f + " has changed since it was written (its SHA-256 is " + have.substring(0, 12)
                        + "…, " + FILE + " recorded " + want.substring(0, 12) + "…)");
            }
        }
    }
}
