package dev.cggm.train.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * An append-only JSON-lines file, one record per line, flushed per line so a reader (or a crash)
 * sees whole records. On resume it is cut back to the lines the checkpoint had seen.
 */
public final class MetricsLog implements AutoCloseable {
    private final Path file;
    private BufferedWriter out;
    private long lines;

    public MetricsLog(Path file) throws IOException {
        this.file = file;
        this.lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8).size() : 0;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public synchronized void append(Map<String, Object> record) throws IOException {
        out.write(Json.LINES.writeValueAsString(record));
        out.newLine();
        out.flush();
        lines++;
    }

    public synchronized long lines() {
        return lines;
    }

    /** Keeps the first {@code keep} lines (records written after the checkpoint are dropped). */
    public synchronized void truncate(long keep) throws IOException {
        out.close();
        List<String> all = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        List<String> kept = all.subList(0, (int) Math.min(keep, all.size()));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        lines = kept.size();
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
