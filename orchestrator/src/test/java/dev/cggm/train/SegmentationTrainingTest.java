package dev.cggm.train;

import dev.cggm.features.brats.BratsPhantom;
import dev.cggm.features.imports.BratsSource;
import dev.cggm.features.imports.ImportOptions;
import dev.cggm.features.imports.Importer;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CGGM on segmentation end to end in the trainer: a generated BraTS-like store (NIfTI files → slices →
 * Arrow), the multimodal U-Net, the BraTS augmentation, per-region Dice in the metrics, and a
 * paused and resumed run ending with the weights of an uninterrupted one.
 */
class SegmentationTrainingTest {
    @TempDir
    static Path shared;
    static InMemoryFeatureData data;

    @BeforeAll
    static void store() throws Exception {
        try (BratsSource source = BratsSource.demo(shared.resolve("phantom"), new BratsPhantom.Spec(24, 8, 6, 2, 2, 5),
                new BratsSource.Options(16, true))) {
            Importer.run(shared.resolve("store"), source, new ImportOptions(4, 16, Precision.FLOAT32, false, List.of(), 0),
                    ProgressListener.none());
        }
        data = FeatureStoreData.load(shared.resolve("store"));
    }

    @AfterAll
    static void close() {
        data.close();
    }

    static TrainConfig config(String method, Map<String, Object> more) {
        Map<String, Object> o = new java.util.LinkedHashMap<>(Map.of("model.architecture", "multimodal-unet",
                "data.augmentation", "brats", "loop.epochs", 2, "loop.batch_size", 4, "loop.seed", 3,
                "runtime.device", "cpu", "runtime.threads", 2, "loop.checkpoint_every", 2));
        o.putAll(more);
        return TrainConfigs.resolve("tiny", shared.resolve("store").toString(), method, o);
    }

    static TrainResult train(TrainConfig cfg, Path dir, TrainListener l, TrainControl c) throws Exception {
        try (Trainer t = Trainer.start(cfg, dir, data, DeterminismAndResumeTest.threads(2), l, c)) {
            return t.run();
        }
    }

    @Test
    void cggmTrainsAndReportsDicePerRegionAndPerModalityDecoder(@TempDir Path tmp) throws Exception {
        assertEquals(Tasks.SEGMENTATION, data.task());
        assertEquals(4, data.numClasses());
        TrainResult r = train(config("cggm", Map.of()), tmp.resolve("run"), TrainListener.NONE, new TrainControl());
        assertEquals("succeeded", r.status(), r.error());
        for (String k : List.of("dice", "dice_wt", "dice_tc", "dice_et", "cls_acc/flair", "cls_acc/t1ce", "cls_acc/t1",
                "cls_acc/t2")) {
            double v = ((Number) r.test().get(k)).doubleValue();
            assertTrue(v >= 0 && v <= 1, k + " = " + v);
        }
        double mean = (((Number) r.test().get("dice_wt")).doubleValue() + ((Number) r.test().get("dice_tc")).doubleValue()
                + ((Number) r.test().get("dice_et")).doubleValue()) / 3;
        assertEquals(mean, ((Number) r.test().get("dice")).doubleValue(), 1e-9);
        List<String> steps = Files.readAllLines(tmp.resolve("run/metrics/steps.jsonl"));
        var first = Json.LINES.readTree(steps.get(0));
        assertTrue(first.path("method").has("coeff/t1ce") && first.path("method").has("cos/flair"), first.toString());
        var epoch = Json.LINES.readTree(Files.readAllLines(tmp.resolve("run/metrics/epochs.jsonl")).get(1));
        assertTrue(epoch.has("val_dice_et") && epoch.has("val_cls_acc/t2"), epoch.toString());
        assertTrue(Files.size(tmp.resolve("run/inference_model.onnx")) > 0);
        var picture = javax.imageio.ImageIO.read(tmp.resolve("run/segmentation.png").toFile());
        // 4 modalities + truth + fused prediction + 4 decoders, each slice at least 160 px wide
        assertTrue(picture.getWidth() > 10 * 160 && picture.getHeight() > 160, picture.getWidth() + "x" + picture.getHeight());
        assertTrue(Files.size(tmp.resolve("run/training.png")) > 0);
    }

    @Test
    void pausedAndResumedRunWithAugmentationEndsWithTheSameWeights(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = config("cggm", Map.of());
        train(cfg, tmp.resolve("straight"), TrainListener.NONE, new TrainControl());
        TrainControl control = new TrainControl();
        TrainListener pause = PauseAt.step(control, stepsPerEpoch -> stepsPerEpoch + 1);
        Path resumed = tmp.resolve("resumed");
        assertEquals("paused", train(cfg, resumed, pause, control).status());
        try (Trainer t = Trainer.resume(resumed, data, DeterminismAndResumeTest.threads(2), TrainListener.NONE,
                new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        DeterminismAndResumeTest.assertSameParameters(new Trainer.Inspector(tmp.resolve("straight")).latestParameters(),
                new Trainer.Inspector(resumed).latestParameters());
        assertEquals(DeterminismAndResumeTest.metrics(tmp.resolve("straight/metrics/epochs.jsonl")),
                DeterminismAndResumeTest.metrics(resumed.resolve("metrics/epochs.jsonl")));
    }

    @Test
    void theAugmentationChangesTheBatchesAndIsRefusedForOtherData(@TempDir Path tmp) throws Exception {
        train(config("joint", Map.of("loop.epochs", 1)), tmp.resolve("aug"), TrainListener.NONE, new TrainControl());
        train(config("joint", Map.of("loop.epochs", 1, "data.augmentation", "none")), tmp.resolve("plain"),
                TrainListener.NONE, new TrainControl());
        assertTrue(!DeterminismAndResumeTest.metrics(tmp.resolve("aug/metrics/steps.jsonl")).get(0)
                .equals(DeterminismAndResumeTest.metrics(tmp.resolve("plain/metrics/steps.jsonl")).get(0)));
        InMemoryFeatureData classes = SyntheticFeatures.classification(2, 20, 8, 8, 3);
        TrainConfig cfg = TrainConfigs.resolve("tiny", "in-memory", "joint", Map.of("data.augmentation", "brats",
                "runtime.device", "cpu"));
        var e = assertThrows(InvalidOption.class, () -> Trainer.start(cfg, tmp.resolve("refused"), classes,
                DeterminismAndResumeTest.threads(1), TrainListener.NONE, new TrainControl()));
        assertTrue(e.getMessage().contains("data.augmentation") && e.getMessage().contains("square"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("refused")));
    }

    @Test
    void methodsWhoseArchitecturesCannotSegmentAreRefusedNamingTheOption(@TempDir Path tmp) {
        var ogm = assertThrows(InvalidOption.class, () -> Trainer.start(TrainConfigs.resolve("tiny",
                shared.resolve("store").toString(), "ogm-ge", Map.of("runtime.device", "cpu")), tmp.resolve("ogm"), data,
                DeterminismAndResumeTest.threads(1), TrainListener.NONE, new TrainControl()));
        assertEquals("method", ogm.field(), ogm.getMessage());
        assertTrue(ogm.getMessage().contains("segmentation") && ogm.getMessage().contains("joint, cggm"), ogm.getMessage());
        var late = assertThrows(InvalidOption.class, () -> Trainer.start(TrainConfigs.resolve("tiny",
                shared.resolve("store").toString(), "joint", Map.of("model.architecture", "late-fusion",
                        "runtime.device", "cpu")), tmp.resolve("late"), data, DeterminismAndResumeTest.threads(1),
                TrainListener.NONE, new TrainControl()));
        assertEquals("model.architecture", late.field(), late.getMessage());
        assertTrue(late.getMessage().contains("multimodal-unet"), late.getMessage());
        assertTrue(!Files.exists(tmp.resolve("ogm")) && !Files.exists(tmp.resolve("late")));
    }
}
