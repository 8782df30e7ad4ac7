package dev.cggm.train;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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
        TrainConfig cfg = Recipes.defaults("tiny", "in-memory", "cggm");
        cfg = new TrainConfig(cfg.features(), cfg.preset(), cfg.modulation(), cfg.rho(), cfg.lambda(), cfg.direction(),
                cfg.coefficients(), 4, 32, 5, cfg.optimizer(), 3e-3, cfg.weightDecay(), cfg.momentum(), 3e-3,
                cfg.classifierWeightDecay(), cfg.clip(), cfg.scheduler(), cfg.patience(), cfg.factor(), cfg.warmupEpochs(),
                cfg.minLr(), cfg.stepSize(), cfg.gamma(), true, "cpu", 1, 3, "metric");
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
