package dev.cggm.train;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerSmokeTest {
    /** One deterministic CPU thread. */
    static DeviceSessions cpu() {
        return new DeviceSessions(ExecutionDevice.CPU, 1).deterministic(true);
    }

    @Test
    void trainsTheTinyModelWithCggm(@TempDir Path tmp) throws Exception {
        var data = SyntheticFeatures.classification(3, 240, 60, 60, 1);
        TrainConfig cfg = TrainConfigs.resolve("tiny", "in-memory", "cggm", Map.of("loop.epochs", 4, "loop.batch_size", 32,
                "loop.seed", 5, "optimizer.lr", 3e-3, "auxiliary.lr", 3e-3, "runtime.device", "cpu", "runtime.threads", 1,
                "loop.checkpoint_every", 3));
        Path runDir = tmp.resolve("run");
        TrainResult r;
        try (Trainer t = Trainer.start(cfg, runDir, data, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            r = t.run();
        }
        System.out.println(r.toJsonLine());
        assertEquals("succeeded", r.status());
        assertTrue((double) r.test().get("acc") > 0.6, "learns the easy modality: " + r.test());
        for (String f : new String[] {"config.json", "summary.json", "inference_model.onnx", "training.png",
                "metrics/steps.jsonl", "metrics/epochs.jsonl", "best/parameters.safetensors", "checkpoints/LATEST"}) {
            assertTrue(Files.exists(runDir.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(runDir.resolve("metrics/epochs.jsonl")).size());
        assertEquals(4 * 8, Files.readAllLines(runDir.resolve("metrics/steps.jsonl")).size());
    }
}
