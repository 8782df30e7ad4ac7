package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job, {@code cggm demo}, end to end on the real demo dataset (one epoch per variant to keep it short). */
class DemoCommandTest {
    @Test
    void demoPreparesExtractsTrainsAndReports(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        var r = TrainEndToEndTest.capture(() -> Main.run("demo", "--out", out.toString(), "--epochs", "1",
                "--variants", "joint,cggm-guarded", "--device", "cpu", "--json"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy (fused)") && r.out().contains("imbalance"), r.out());
        String[] lines = r.out().strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String v : new String[] {"joint", "cggm-guarded"}) {
            JsonNode test = json.path(v).path("test");
            assertTrue(test.path("acc").asDouble() > 0.3, v + " learns something in one epoch: " + test);
            assertTrue(test.has("cls_acc/text") && test.has("cls_acc/image"), test.toString());
            assertTrue(Files.exists(Path.of(json.path(v).path("run_dir").asText()).resolve("inference_model.onnx")));
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("| test accuracy (fused) |"));
        // a second run reuses the dataset and features and adds new runs
        var again = TrainEndToEndTest.capture(() -> Main.run("demo", "--out", out.toString(), "--epochs", "1",
                "--variants", "joint", "--device", "cpu"));
        assertEquals(0, again.code(), again.err());
        try (var runs = Files.list(out.resolve("runs"))) {
            assertEquals(3, runs.count());
        }
        var bad = TrainEndToEndTest.capture(() -> Main.run("demo", "--out", out.toString(), "--variants", "magic"));
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--variants: unknown method 'magic'"), bad.err());
    }
}
