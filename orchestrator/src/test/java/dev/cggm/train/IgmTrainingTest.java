package dev.cggm.train;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModalityHeadsConfig;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.method.MethodSetup;
import dev.cggm.train.method.igm.Igm;
import dev.cggm.train.method.igm.IgmOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IGM in the trainer on three modalities: the mixup terms' gradients, which parameters each
 * stage trains, runs paused exactly at a stage boundary (after the last step of a stage, and
 * after the first step of the next, whose projection then comes from the checkpoint) that resume
 * bit-identically, and the export.
 */
class IgmTrainingTest {
    static final FeatureData DATA = SyntheticFeatures.classification3(3, 64, 24, 24, 9);

    static TrainConfig config(int epochs) {
        return TrainConfigs.resolve("tiny", "in-memory", "igm", Map.ofEntries(Map.entry("loop.epochs", epochs),
                Map.entry("loop.batch_size", 16), Map.entry("loop.seed", 4), Map.entry("runtime.device", "cpu"),
                Map.entry("runtime.threads", 1), Map.entry("loop.checkpoint_every", 3), Map.entry("method.flat", "sam"),
                Map.entry("method.flat_rho", 0.05), Map.entry("method.flat_rho_head", 0.05), Map.entry("method.projected", "all")));
    }

    @Test
    void mixupLossTermsHaveTheirGradients() throws Exception {
        List<Modality> three = List.of(new Modality("text", 9, 4), new Modality("audio", 5, 3), new Modality("vision", 7, 2));
        ModalityHeadsConfig cfg = new ModalityHeadsConfig(three, Tasks.CLASSIFICATION, 3, 8, 6, 4);
        IgmOptions o = IgmOptions.defaults("tiny");
        ArchitectureGradients.check(cfg, new Igm(o, new MethodSetup(cfg, 1)).graph(), 4, 4, 1e-5);
    }

    static Map<String, SafeTensors.Entry> train(TrainConfig cfg, Path dir, List<String> messages) throws Exception {
        TrainListener listener = new TrainListener() {
            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
        try (Trainer t = Trainer.start(cfg, dir, DATA, TrainerSmokeTest.cpu(), listener, new TrainControl())) {
            TrainResult r = t.run();
            assertEquals("succeeded", r.status(), String.valueOf(r.error()));
        }
        return new Trainer.Inspector(dir).latestParameters();
    }

    @Test
    void eachStageTrainsOnlyItsModalityFromTheBestModel(@TempDir Path tmp) throws Exception {
        List<String> messages = new ArrayList<>();
        Map<String, SafeTensors.Entry> one = train(config(1), tmp.resolve("one"), messages);
        Map<String, SafeTensors.Entry> initial = SafeTensors.read(tmp.resolve("one/artifacts").resolve(TrainingArtifacts.CHECKPOINT));
        Map<String, SafeTensors.Entry> two = train(config(2), tmp.resolve("two"), messages);
        for (String name : one.keySet()) {
            boolean image = name.contains(".image.");
            boolean text = name.contains(".text.");
            // stage 1 trains image only
            assertEquals(image, !java.util.Arrays.equals(initial.get(name).data(), one.get(name).data()), name);
            // stage 2 starts from the best (the only) epoch and trains text only
            float[] wantAfterTwo = text ? null : one.get(name).data();
            if (wantAfterTwo != null) {
                assertArrayEquals(wantAfterTwo, two.get(name).data(), name);
            } else {
                assertFalse(java.util.Arrays.equals(one.get(name).data(), two.get(name).data()), name);
            }
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("IGM stage 2: text") && m.contains("best model so far")
                && m.contains("away from image's inputs on 4 layer(s)")), messages.toString());
        List<String> steps = Files.readAllLines(tmp.resolve("two/metrics/steps.jsonl"));
        assertTrue(steps.get(0).contains("\"projected\":0.0"), steps.get(0));
        assertTrue(steps.get(steps.size() - 1).contains("\"projected\":3.0"), steps.get(steps.size() - 1));
    }

    /**
     * Paused after step {@code pauseAt} of a 3-epoch run (4 steps per epoch, one epoch per stage):
     * 3 is the last step of stage 1 (the resumed run validates, reloads and projects), 4 the first
     * step of stage 2 (the resumed run must take P from the checkpoint).
     */
    @ParameterizedTest(name = "paused after step {0}")
    @CsvSource({"3", "4"})
    void pausedAtAStageBoundaryResumesExactly(int pauseAt, @TempDir Path tmp) throws Exception {
        TrainConfig cfg = config(3);
        Path straight = tmp.resolve("straight");
        train(cfg, straight, new ArrayList<>());
        TrainControl control = new TrainControl();
        TrainListener pause = new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                assertEquals(4, stepsPerEpoch);
                if (record.step() == pauseAt) {
                    control.requestPause();
                }
            }
        };
        Path resumed = tmp.resolve("resumed");
        try (Trainer t = Trainer.start(cfg, resumed, DATA, TrainerSmokeTest.cpu(), pause, control)) {
            assertEquals("paused", t.run().status());
        }
        try (Trainer t = Trainer.resume(resumed, DATA, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        DeterminismAndResumeTest.assertSameParameters(new Trainer.Inspector(straight).latestParameters(),
                new Trainer.Inspector(resumed).latestParameters());
        assertEquals(DeterminismAndResumeTest.metrics(straight.resolve("metrics/steps.jsonl")),
                DeterminismAndResumeTest.metrics(resumed.resolve("metrics/steps.jsonl")));
        assertEquals(DeterminismAndResumeTest.metrics(straight.resolve("metrics/epochs.jsonl")),
                DeterminismAndResumeTest.metrics(resumed.resolve("metrics/epochs.jsonl")));

        // the export predicts the mean softmax the eval model gives with the best parameters
        Map<String, HostTensor> best = new LinkedHashMap<>();
        SafeTensors.read(straight.resolve("best/parameters.safetensors"))
                .forEach((k, v) -> best.put(k, HostTensor.of(v.data(), v.shape())));
        float[] exported = MethodContractTest.run(straight.resolve("inference_model.onnx"), DATA.test(), Map.of());
        float[] evaluated = MethodContractTest.run(straight.resolve("artifacts/eval_model.onnx"), DATA.test(), best);
        assertArrayEquals(evaluated, exported, 1e-5f);
        for (int i = 0; i < exported.length; i += 3) {
            assertEquals(1.0, exported[i] + exported[i + 1] + exported[i + 2], 1e-5, "a probability per sample");
        }
    }
}
