package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cggm compare} on a small real store: every method and seed trains in its own JVM, and the report adds up. */
class CompareCommandTest {
    @TempDir
    static Path shared;
    static Path store;

    @BeforeAll
    static void extractSmallDemoStore() throws Exception {
        Path data = DemoDataset.prepare(shared.resolve("demo"), new DemoDataset.Spec(64, 16, 16, 3));
        store = shared.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(),
                "--device", "cpu", "--batch-size", "16", "--max-length", "12", "--image-encoder", "vit-tiny-seeded"));
    }

    @Test
    void comparesMethodsOverSeedsWithUnimodalRows(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("cmp");
        var r = TrainEndToEndTest.capture(() -> Main.run("compare", "--features", store.toString(), "--preset", "tiny",
                "--methods", "cggm-guarded,joint@late-fusion", "--seeds", "2", "--epochs", "1", "--batch-size", "16",
                "--device", "cpu", "--threads", "1", "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode rows = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals(4, rows.size(), "two methods and a unimodal row per modality: " + rows);
        for (JsonNode row : rows) {
            assertEquals(2, row.path("succeeded").asInt(), row.toString());
            double acc = row.path("test_acc").path("mean").asDouble();
            assertTrue(acc >= 0 && acc <= 1, row.toString());
            assertTrue(row.path("test_acc").path("sd").asDouble() >= 0, row.toString());
            assertTrue(row.path("peak_rss_mib").asDouble() > 50, "each run's own process: " + row);
        }
        assertEquals("unimodal text", rows.get(2).path("method").asText());
        assertTrue(rows.get(2).has("cls_acc/text"), rows.get(2).toString());
        assertTrue(Files.readString(out.resolve("report.md")).contains("| cggm-guarded |"));
        assertTrue(Files.size(out.resolve("report.png")) > 1000);
        try (var runs = Files.list(out.resolve("runs"))) {
            assertEquals(8, runs.filter(Files::isDirectory).count());
        }
    }

    @Test
    void anEntryThatCannotRunFailsBeforeAnythingTrains(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("cmp");
        var r = TrainEndToEndTest.capture(() -> Main.run("compare", "--features", store.toString(), "--preset", "tiny",
                "--methods", "joint,cggm@late-fusion", "--out", out.toString()));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--methods: 'cggm@late-fusion' cannot run on this store"), r.err());
        assertFalse(Files.exists(out.resolve("runs")), "nothing trained");
    }
}
