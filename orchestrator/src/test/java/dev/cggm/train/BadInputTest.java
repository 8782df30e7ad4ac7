package dev.cggm.train;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad data and configuration give errors that name the problem; nothing written is lost. */
class BadInputTest {
    static TrainConfig config() {
        return DeterminismAndResumeTest.config("cggm");
    }

    static InMemoryFeatureData withTrain(InMemoryFeatureData base, InMemoryFeatureData.Split train) {
        return new InMemoryFeatureData(base.task(), base.numClasses(), base.labelNames(), base.modalities(), train,
                (InMemoryFeatureData.Split) base.validation(), (InMemoryFeatureData.Split) base.test());
    }

    @Test
    void nonFiniteFeaturesStopTheRunNamingSamplesAndKeepTheCheckpoint(@TempDir Path tmp) throws Exception {
        var base = SyntheticFeatures.classification(3, 64, 16, 16, 5);
        float[] image = new float[64 * SyntheticFeatures.IMAGE.valuesPerSample()];
        float[] text = new float[64 * SyntheticFeatures.TEXT.valuesPerSample()];
        java.util.Arrays.fill(image, 0.5f);
        java.util.Arrays.fill(text, 0.5f);
        // every sample after the first 40 carries a NaN: the first epoch's later batches hit one
        for (int row = 40; row < 64; row++) {
            text[row * SyntheticFeatures.TEXT.valuesPerSample() + 3] = Float.NaN;
        }
        long[] labels = new long[64];
        var train = new InMemoryFeatureData.Split("train", List.of(SyntheticFeatures.IMAGE, SyntheticFeatures.TEXT),
                Map.of("image", image, "text", text), Targets.classes(labels), InMemoryFeatureData.ids("row", 64));
        Path run = tmp.resolve("run");
        TrainConfig cfg = config();
        TrainingFailed e;
        try (Trainer t = Trainer.start(cfg, run, withTrain(base, train), TrainerSmokeTest.cpu(), TrainListener.NONE,
                new TrainControl())) {
            e = assertThrows(TrainingFailed.class, t::run);
        }
        assertTrue(e.getMessage().contains("the loss became NaN") && e.getMessage().contains("row"), e.getMessage());
        assertTrue(e.getMessage().contains("last good checkpoint"), e.getMessage());
        var summary = Json.FILES.readTree(run.resolve("summary.json").toFile());
        assertEquals("failed", summary.path("status").asText());
        assertTrue(Files.exists(run.resolve("checkpoints/LATEST")), "the last good checkpoint stays");
    }

    @Test
    void labelsOutOfRangeAreNamed(@TempDir Path tmp) {
        var base = SyntheticFeatures.classification(3, 32, 8, 8, 5);
        long[] labels = new long[32];
        labels[7] = 3;
        var train = new InMemoryFeatureData.Split("train", base.modalities(), Map.of(
                "image", new float[32 * SyntheticFeatures.IMAGE.valuesPerSample()],
                "text", new float[32 * SyntheticFeatures.TEXT.valuesPerSample()]), Targets.classes(labels),
                InMemoryFeatureData.ids("s", 32));
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.start(config(), tmp.resolve("r"),
                withTrain(base, train), TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl()));
        assertTrue(e.getMessage().contains("sample 's7'") && e.getMessage().contains("label 3"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("r")), "nothing is created for a run that cannot start");
    }

    @Test
    void emptySplitsAreRefused(@TempDir Path tmp) {
        var base = SyntheticFeatures.classification(3, 32, 8, 8, 5);
        var empty = new InMemoryFeatureData.Split("validation", base.modalities(),
                Map.of("image", new float[0], "text", new float[0]), Targets.classes(new long[0]), new String[0]);
        var data = new InMemoryFeatureData(Tasks.CLASSIFICATION, 3, base.labelNames(), base.modalities(),
                (InMemoryFeatureData.Split) base.train(), empty, (InMemoryFeatureData.Split) base.test());
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.start(config(), tmp.resolve("r"), data,
                TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl()));
        assertTrue(e.getMessage().contains("validation split") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void presetThatDoesNotFitTheFeaturesIsRefused(@TempDir Path tmp) {
        var data = SyntheticFeatures.classification(3, 32, 8, 8, 5);
        TrainConfig iemocap = config().with(Map.of("model.preset", "iemocap"));
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.start(iemocap, tmp.resolve("r"), data,
                TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl()));
        assertTrue(e.getMessage().contains("has 3 modalities") && e.getMessage().contains("have 2"), e.getMessage());
        TrainConfig mosi = config().with(Map.of("model.preset", "mosi"));
        var e2 = assertThrows(IllegalArgumentException.class, () -> Trainer.start(mosi, tmp.resolve("r"), data,
                TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl()));
        assertTrue(e2.getMessage().contains("regression model") && e2.getMessage().contains("classification"), e2.getMessage());
    }

    @Test
    void anExistingRunDirectoryIsNotOverwritten(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("notes.txt"), "mine");
        var e = assertThrows(java.io.IOException.class, () -> Trainer.start(config(), run,
                SyntheticFeatures.classification(3, 32, 8, 8, 5), TrainerSmokeTest.cpu(), TrainListener.NONE,
                new TrainControl()));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--resume"), e.getMessage());
        assertEquals("mine", Files.readString(run.resolve("notes.txt")));
    }
}
