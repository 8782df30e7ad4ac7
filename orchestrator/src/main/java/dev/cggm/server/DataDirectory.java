package dev.cggm.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The server's data directory: where everything persists, and the root every client-supplied
 * path is resolved against.
 * <pre>
 * DATA/runs/&lt;run_id&gt;/job.json             the Run resource (proto JSON), rewritten on each state change
 * DATA/runs/&lt;run_id&gt;/events.jsonl         the run's event log (WatchRun), one proto-JSON event per line
 * DATA/runs/&lt;run_id&gt;/run/                 the trainer's run directory (config, checkpoints, metrics, model)
 * DATA/extractions/&lt;id&gt;/job.json, events.jsonl
 * DATA/features/&lt;feature_set_id&gt;/          feature stores written by extractions (and any put there)
 * </pre>
 * Client paths must be relative and stay inside the directory after normalisation ({@code ..}
 * that climbs out is refused). Symbolic links placed inside it by the administrator are followed:
 * the boundary is against clients, who cannot create links.
 */
final class DataDirectory {
    static final int MAX_PATH_LENGTH = 4096;

    private final Path root;
    private final String rootPrefix;

    DataDirectory(Path root) throws IOException {
        Files.createDirectories(root);
        this.root = root.toRealPath();
        this.rootPrefix = this.root + root.getFileSystem().getSeparator();
        Files.createDirectories(runs());
        Files.createDirectories(extractions());
        Files.createDirectories(features());
    }

    Path root() {
        return root;
    }

    Path runs() {
        return root.resolve("runs");
    }

    Path extractions() {
        return root.resolve("extractions");
    }

    Path features() {
        return root.resolve("features");
    }

    /**
     * A client path resolved inside the data directory; INVALID_ARGUMENT naming {@code field}
     * when it is empty, absolute, malformed or leaves the directory.
     */
    Path resolve(String field, String clientPath) {
        if (clientPath == null || clientPath.isBlank()) {
            throw ApiErrors.invalid(field, "required: a path relative to the data directory");
        }
        if (clientPath.length() > MAX_PATH_LENGTH) {
            throw ApiErrors.invalid(field, "longer than " + MAX_PATH_LENGTH + " characters");
        }
        Path p;
        try {
            p = Path.of(clientPath);
        } catch (InvalidPathException e) {
            throw ApiErrors.invalid(field, "not a valid path (" + e.getReason() + ")");
        }
        if (p.isAbsolute() || clientPath.startsWith("/") || clientPath.startsWith("\\")) {
            throw ApiErrors.invalid(field, "'" + clientPath + "' is absolute; give a path relative to the data directory");
        }
        Path resolved = root.resolve(p).normalize();
        if (!resolved.startsWith(root)) {
            throw ApiErrors.invalid(field, "'" + clientPath + "' leaves the data directory");
        }
        return resolved;
    }

    /** How a client names a path inside the data directory (relative, '/'-separated). */
    String relative(Path inside) {
        Path rel = root.relativize(inside.toAbsolutePath().normalize());
        return rel.toString().replace(rel.getFileSystem().getSeparator(), "/");
    }

    /** {@code text} with the data directory's absolute path replaced by relative names, for clients. */
    String redact(String text) {
        if (text == null) {
            return "";
        }
        return text.replace(rootPrefix, "").replace(root.toString(), ".");
    }
}
