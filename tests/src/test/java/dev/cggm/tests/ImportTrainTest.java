package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.cggm.tests.CliAssertions.stdout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's other two datasets from the CLI: files in the MOSI and IEMOCAP layouts imported
 * ({@code ./cggm import}) and trained with their presets ({@code ./cggm train --preset mosi|iemocap}),
 * reporting the paper's metrics.
 */
class ImportTrainTest {
    private static JsonNode train(Path store, Path run, String preset, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--features", store.toString(), "--preset", preset,
                "--out", run.toString(), "--device", "cpu", "--threads", "2", "--json"));
        args.addAll(List.of(more));
        String[] lines = stdout(args.toArray(String[]::new)).strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("succeeded", summary.path("status").asText(), summary.toString());
        return summary;
    }

    @Test
    void aMosiPickleImportsAndTrainsARegressionModelThatLearnsTheSentiment(@TempDir Path tmp) throws Exception {
        // MOSI-shaped (three modalities, sentiment in [-3, 3]); the sentiment is readable from the text
        Path data = ImportCommandTest.fixture(tmp.resolve("mosi"), "mosi", "--sizes", "128,32,32", "--length", "8",
                "--learnable");
        Path store = tmp.resolve("store");
        stdout("import", "--format", "mosi", "--dataset", data.resolve("mosi.pkl").toString(), "--out", store.toString());
        JsonNode s = train(store, tmp.resolve("run"), "mosi", "--epochs", "3", "--batch-size", "8");
        JsonNode test = s.path("test");
        for (String metric : List.of("mae", "corr", "acc2", "acc7", "f1", "cls_acc/text", "cls_acc/audio",
                "cls_acc/vision")) {
            assertTrue(test.has(metric), metric + " in " + test);
        }
        // predicting 0 for a uniform sentiment in [-3, 3] has an MAE of 1.5
        assertTrue(test.path("mae").asDouble() < 1.2, "the model learned the sentiment: " + test);
        assertTrue(test.path("corr").asDouble() > 0.5, test.toString());
    }

    @Test
    void anIemocapMminLayoutImportsAndTrainsFourClasses(@TempDir Path tmp) throws Exception {
        Path data = ImportCommandTest.fixture(tmp.resolve("iemocap"), "iemocap");
        Path store = tmp.resolve("store");
        stdout("import", "--format", "iemocap", "--dataset", data.toString(), "--out", store.toString(),
                "--label-names", "ang,hap,neu,sad");
        JsonNode s = train(store, tmp.resolve("run"), "iemocap", "--epochs", "1", "--batch-size", "4");
        JsonNode test = s.path("test");
        for (String metric : List.of("acc", "f1_macro", "f1_weighted", "cls_acc/text", "cls_acc/audio",
                "cls_acc/vision")) {
            assertTrue(test.has(metric), metric + " in " + test);
        }
        JsonNode model = new ObjectMapper().readTree(tmp.resolve("run/artifacts/artifacts.json").toFile()).path("model");
        assertEquals("classification", model.path("task").asText(), model.toString());
        assertEquals(4, model.path("output_dim").asInt(), "a 4-class head: " + model);
    }
}
