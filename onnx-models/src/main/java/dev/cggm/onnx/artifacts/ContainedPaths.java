package dev.cggm.onnx.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Paths that a directory's own files name (a manifest's shard files, an artifact directory's
 * models), resolved so that they cannot leave the directory: a manifest is data, and a damaged or
 * hostile one must not make the program open {@code ../../etc/passwd}.
 */
public final class ContainedPaths {
    private ContainedPaths() {
    }

    /**
     * {@code root.resolve(relative)} when it stays inside {@code root}: a relative path that, once
     * normalised, does not climb out, and — where it exists — whose real path (symbolic links
     * resolved, also those of {@code root} itself) is inside {@code root}'s real path. Null when it
     * leaves {@code root} or is not a path at all.
     */
    public static Path resolve(Path root, String relative) throws IOException {
        if (relative == null || relative.isBlank()) {
            return null;
        }
        Path rel;
        try {
            rel = Path.of(relative);
        } catch (InvalidPathException e) {
            return null;
        }
        if (rel.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
            return null;
        }
        Path base = root.toAbsolutePath().normalize();
        Path p = base.resolve(rel).normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            return null;
        }
        if (Files.exists(p)) {
            Path realBase = base.toRealPath();
            if (!p.toRealPath().startsWith(realBase)) {
                return null; // a symbolic link that points out
            }
        }
        return p;
    }
}
