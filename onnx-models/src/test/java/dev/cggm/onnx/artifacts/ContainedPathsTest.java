package dev.cggm.onnx.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paths named by a directory's own files stay inside it, also through symbolic links. */
class ContainedPathsTest {
    @Test
    void relativePathsInsideResolveAndEverythingElseIsRefused(@TempDir Path tmp) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/x.onnx"), "x");
        Files.writeString(tmp.resolve("secret"), "s");
        assertEquals(root.resolve("a/x.onnx").toAbsolutePath(), ContainedPaths.resolve(root, "a/x.onnx"));
        assertEquals(root.resolve("a/not-yet.onnx").toAbsolutePath(),
                ContainedPaths.resolve(root, "a/./b/../not-yet.onnx"));
        assertNull(ContainedPaths.resolve(root, "../secret"));
        assertNull(ContainedPaths.resolve(root, "a/../../secret"));
        assertNull(ContainedPaths.resolve(root, tmp.resolve("secret").toString()), "absolute");
        assertNull(ContainedPaths.resolve(root, ""));
        assertNull(ContainedPaths.resolve(root, "."));
        Files.createSymbolicLink(root.resolve("a/link.onnx"), tmp.resolve("secret"));
        assertNull(ContainedPaths.resolve(root, "a/link.onnx"), "a link that points out");
        Files.createSymbolicLink(root.resolve("a/inner.onnx"), root.resolve("a/x.onnx"));
        assertEquals(root.resolve("a/inner.onnx").toAbsolutePath(), ContainedPaths.resolve(root, "a/inner.onnx"));
    }

    @Test
    void aRootReachedThroughALinkStillConfines(@TempDir Path tmp) throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.writeString(real.resolve("m.onnx"), "m");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertEquals(link.resolve("m.onnx").toAbsolutePath(), ContainedPaths.resolve(link, "m.onnx"));
        assertNull(ContainedPaths.resolve(link, "../real/m.onnx"));
    }

    @Test
    void anArtifactManifestNamingAFileOutsideItsDirectoryIsRefused(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve(ArtifactManifest.FILE), "{\"format\": \"" + ArtifactManifest.FORMAT
                + "\", \"version\": " + ArtifactManifest.VERSION
                + ", \"files\": {\"training_model\": \"../../etc/passwd\"}}");
        IOException e = assertThrows(IOException.class, () -> ArtifactManifest.read(tmp));
        assertTrue(e.getMessage().contains("training_model") && e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void aCorruptArtifactManifestIsOneLine(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve(ArtifactManifest.FILE), "{\"format\": ");
        IOException e = assertThrows(IOException.class, () -> ArtifactManifest.read(tmp));
        assertTrue(e.getMessage().contains("is not readable") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
