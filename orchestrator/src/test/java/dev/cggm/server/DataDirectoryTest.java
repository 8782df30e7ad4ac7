package dev.cggm.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client paths resolve inside the data directory or are INVALID_ARGUMENT naming the field. */
class DataDirectoryTest {
    @Test
    void relativePathsResolveInsideAndEscapesAreRefused(@TempDir Path tmp) throws Exception {
        DataDirectory data = new DataDirectory(tmp.resolve("data"));
        Path root = data.root();
        assertEquals(root.resolve("features/a"), data.resolve("f", "features/a"));
        assertEquals(root.resolve("features/a"), data.resolve("f", "./features/x/../a"));
        assertEquals("features/a", data.relative(root.resolve("features/a")));
        for (String bad : List.of("", " ", "/etc/passwd", "..", "../data2", "features/../../x", "a/../../b",
                "x".repeat(5000), "a\0b")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> data.resolve("options.x", bad),
                    bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("options.x: "), e.getStatus().getDescription());
        }
    }

    @Test
    void messagesForClientsNameOnlyRelativePaths(@TempDir Path tmp) throws Exception {
        DataDirectory data = new DataDirectory(tmp.resolve("data"));
        String msg = "cannot read " + data.root().resolve("runs/r1/run/config.json") + " (in " + data.root() + ")";
        assertEquals("cannot read runs/r1/run/config.json (in .)", data.redact(msg));
    }
}
