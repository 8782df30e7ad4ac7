package dev.cggm.train;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.train.data.InMemoryFeatureData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Same seed, same results; a paused and resumed run ends exactly where an uninterrupted one does. */
class DeterminismAndResumeTest {
    static final InMemoryFeatureData DATA = SyntheticFeatures.classification(3, 100, 30, 30, 3);

    static TrainConfig config(String modulation) {
        return TrainConfigs.resolve("tiny", "in-memory", modulation, Map.of("loop.epochs", 3, "loop.batch_size", 16,
                "loop.seed", 21, "optimizer.lr", 2e-3, "auxiliary.lr", 1e-3, "schedule.patience", 1, "schedule.factor", 0.5,
                "runtime.device", "cpu", "runtime.threads", 2, "loop.checkpoint_every", 3));
    }

    static DeviceSessions threads(int n) {
        return new DeviceSessions(ExecutionDevice.CPU, n).deterministic(true);
    }

    static TrainResult train(TrainConfig cfg, Path dir) throws Exception {
        try (Trainer t = Trainer.start(cfg, dir, DATA, threads(cfg.runtime().threads()), TrainListener.NONE, new TrainControl())) {
            return t.run();
        }
    }

    /** Metric lines without wall-clock fields. */
    static List<String> metrics(Path file) throws Exception {
        return Files.readAllLines(file).stream()
                .map(l -> l.replaceAll("\"(time_ms|elapsed_s)\":[0-9.eE+-]+,?", "")).toList();
    }

    static void assertSameParameters(Map<String, SafeTensors.Entry> a, Map<String, SafeTensors.Entry> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
        }
    }

    @Test
    void sameSeedGivesIdenticalMetricsAndWeights(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = config("cggm");
        train(cfg, tmp.resolve("a"));
        train(cfg, tmp.resolve("b"));
        assertEquals(metrics(tmp.resolve("a/metrics/steps.jsonl")), metrics(tmp.resolve("b/metrics/steps.jsonl")));
        assertEquals(metrics(tmp.resolve("a/metrics/epochs.jsonl")), metrics(tmp.resolve("b/metrics/epochs.jsonl")));
        assertSameParameters(SafeTensors.read(tmp.resolve("a/best/parameters.safetensors")),
                SafeTensors.read(tmp.resolve("b/best/parameters.safetensors")));
    }

    @Test
    void pausedAndResumedRunEndsWithTheSameWeights(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = config("cggm");
        train(cfg, tmp.resolve("straight"));

        TrainControl control = new TrainControl();
        // inside epoch 2, not on a checkpoint step
        TrainListener pauseMidEpoch = PauseAt.step(control, stepsPerEpoch -> stepsPerEpoch + 2);
        Path resumed = tmp.resolve("resumed");
        try (Trainer t = Trainer.start(cfg, resumed, DATA, threads(2), pauseMidEpoch, control)) {
            assertEquals("paused", t.run().status());
        }
        try (Trainer t = Trainer.resume(resumed, DATA, threads(2), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        assertSameParameters(new Trainer.Inspector(tmp.resolve("straight")).latestParameters(),
                new Trainer.Inspector(resumed).latestParameters());
        assertEquals(metrics(tmp.resolve("straight/metrics/steps.jsonl")), metrics(resumed.resolve("metrics/steps.jsonl")));
        assertEquals(metrics(tmp.resolve("straight/metrics/epochs.jsonl")), metrics(resumed.resolve("metrics/epochs.jsonl")));
    }
}
