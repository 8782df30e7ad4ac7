package dev.cggm.train;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression with three modalities (the MOSI preset's L1 task): the target is a sum of
 * per-modality signals, each of different strength; CGGM's classifiers are scored by sign
 * agreement as in the reference, and the MOSI metrics are reported.
 */
class RegressionTrainingTest {
    static final List<ModalityShape> SHAPES = List.of(new ModalityShape("text", 6, 12),
            new ModalityShape("audio", 6, 5), new ModalityShape("vision", 6, 8));

    static InMemoryFeatureData data(long seed) {
        Random rng = new Random(seed);
        float[][] directions = new float[SHAPES.size()][];
        for (int m = 0; m < SHAPES.size(); m++) {
            directions[m] = new float[SHAPES.get(m).dim()];
            for (int d = 0; d < directions[m].length; d++) {
                directions[m][d] = (float) rng.nextGaussian();
            }
        }
        return new InMemoryFeatureData(Tasks.REGRESSION, 1, List.of(), SHAPES, split("train", 192, rng, directions),
                split("validation", 48, rng, directions), split("test", 48, rng, directions));
    }

    static InMemoryFeatureData.Split split(String name, int n, Random rng, float[][] directions) {
        double[] strength = {1.5, 0.8, 0.4};
        float[][] features = new float[SHAPES.size()][];
        float[] targets = new float[n];
        for (int m = 0; m < SHAPES.size(); m++) {
            features[m] = new float[n * SHAPES.get(m).valuesPerSample()];
        }
        for (int i = 0; i < n; i++) {
            double y = 0;
            for (int m = 0; m < SHAPES.size(); m++) {
                ModalityShape s = SHAPES.get(m);
                double z = rng.nextGaussian();
                y += strength[m] * z;
                for (int l = 0; l < s.seqLen(); l++) {
                    for (int d = 0; d < s.dim(); d++) {
                        features[m][i * s.valuesPerSample() + l * s.dim() + d] =
                                (float) (z * directions[m][d] + 0.5 * rng.nextGaussian());
                    }
                }
            }
            targets[i] = (float) Math.max(-3, Math.min(3, y));
        }
        return new InMemoryFeatureData.Split(name, SHAPES, Map.of("text", features[0], "audio", features[1],
                "vision", features[2]), Targets.values(targets), InMemoryFeatureData.ids(name, n));
    }

    @Test
    void trainsTheMosiPresetWithCggmAndReportsMosiMetrics(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = TrainConfigs.resolve("mosi", "in-memory", "cggm", Map.of(
                "loop.epochs", 3, "loop.batch_size", 16, "runtime.device", "cpu", "runtime.threads", 2, "optimizer.lr", 3e-3));
        TrainResult r;
        try (Trainer t = Trainer.start(cfg, tmp.resolve("run"), data(4), TrainerSmokeTest.cpu(), TrainListener.NONE,
                new TrainControl())) {
            r = t.run();
        }
        assertEquals("succeeded", r.status());
        for (String key : new String[] {"mae", "corr", "acc2", "acc7", "f1", "cls_acc/text", "cls_acc/audio",
                "cls_acc/vision", "imbalance"}) {
            assertTrue(r.test().containsKey(key), key + " in " + r.test());
        }
        double mae = ((Number) r.test().get("mae")).doubleValue();
        assertTrue(mae < 1.2, "learns something: test MAE " + mae + " (predicting 0 gives about 1.3)");
        List<String> steps = Files.readAllLines(tmp.resolve("run/metrics/steps.jsonl"));
        assertTrue(steps.get(0).contains("\"coeff/vision\""), steps.get(0));
    }
}
