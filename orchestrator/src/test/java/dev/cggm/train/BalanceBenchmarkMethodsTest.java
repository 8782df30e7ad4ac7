package dev.cggm.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.run.Json;
import dev.cggm.train.run.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The BalanceBenchmark methods in the real trainer with settings under which they act (the
 * contract test runs their defaults, under which OGM does not start before epoch 10 and MSLR does
 * not adjust before epoch 5): a run paused inside its last epoch and resumed ends exactly as an
 * uninterrupted one while they modulate; PMR's prototypes are the class means of the training
 * split's embeddings; MSLR's factors reach the optimizer.
 */
class BalanceBenchmarkMethodsTest {
    static TrainConfig config(String method, Map<String, Object> options) {
        Map<String, Object> o = new LinkedHashMap<>(Map.of("loop.epochs", 3, "loop.batch_size", 16, "loop.seed", 4,
                "runtime.device", "cpu", "runtime.threads", 1, "loop.checkpoint_every", 3));
        options.forEach((k, v) -> o.put("method." + k, v));
        return TrainConfigs.resolve("tiny", "in-memory", method, o);
    }

    static FeatureData data(int modalities) {
        return modalities == 2 ? SyntheticFeatures.classification(3, 64, 24, 24, 9)
                : SyntheticFeatures.classification3(3, 64, 24, 24, 9);
    }

    @ParameterizedTest(name = "{0} {1}, {2} modalities")
    @CsvSource(delimiter = ';', value = {"ogm-ge; start_epoch=0; 2", "ogm-ge; start_epoch=0; 3",
            "mslr; history=2,ratios=text=0.5; 2"})
    void whileModulatingAPausedAndResumedRunEndsExactlyAsAnUninterruptedOne(String method, String options, int modalities,
                                                                            @TempDir Path tmp) throws Exception {
        Map<String, Object> opts = new LinkedHashMap<>();
        for (String kv : options.split(",(?=[a-z_]+=)")) {
            String[] p = kv.split("=", 2);
            opts.put(p[0], p[1].matches("-?[0-9]+") ? (Object) Integer.valueOf(p[1]) : p[1]);
        }
        TrainConfig cfg = config(method, opts);
        FeatureData data = data(modalities);
        Path straight = tmp.resolve("straight");
        try (Trainer t = Trainer.start(cfg, straight, data, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        TrainControl control = new TrainControl();
        TrainListener pause = PauseAt.step(control, stepsPerEpoch -> 2 * stepsPerEpoch + 1);
        Path resumed = tmp.resolve("resumed");
        try (Trainer t = Trainer.start(cfg, resumed, data, TrainerSmokeTest.cpu(), pause, control)) {
            assertEquals("paused", t.run().status());
        }
        try (Trainer t = Trainer.resume(resumed, data, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        DeterminismAndResumeTest.assertSameParameters(new Trainer.Inspector(straight).latestParameters(),
                new Trainer.Inspector(resumed).latestParameters());
        assertEquals(DeterminismAndResumeTest.metrics(straight.resolve("metrics/steps.jsonl")),
                DeterminismAndResumeTest.metrics(resumed.resolve("metrics/steps.jsonl")));

        List<JsonNode> steps = lines(straight.resolve("metrics/steps.jsonl"));
        List<JsonNode> epochs = lines(straight.resolve("metrics/epochs.jsonl"));
        if (method.startsWith("ogm")) {
            assertTrue(steps.stream().anyMatch(s -> data.modalities().stream()
                    .anyMatch(m -> s.path("method").path("coeff/" + m.name()).asDouble() < 1)), "an encoder was slowed down");
        } else {
            // after epoch 2 (history 2): factor × latest / mean of the last two validation accuracies
            for (ModalityShape m : data.modalities()) {
                double a0 = epochs.get(0).path("val_cls_acc/" + m.name()).asDouble();
                double a1 = epochs.get(1).path("val_cls_acc/" + m.name()).asDouble();
                double start = m.name().equals("text") ? 0.5 : 1.0;
                JsonNode last = steps.get(steps.size() - 1).path("method");
                assertEquals(start * a1 / ((a0 + a1) / 2), last.path("lr_scale/" + m.name()).asDouble(), 1e-12, m.name());
                assertEquals(start, steps.get(0).path("method").path("lr_scale/" + m.name()).asDouble(), 1e-12);
            }
        }
    }

    @Test
    void pmrPrototypesAreTheClassMeansOfTheTrainingSplitsEmbeddings(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = config("pmr", Map.of()).with(Map.of("loop.checkpoint_every", 1));
        FeatureData data = data(2);
        Path run = tmp.resolve("run");
        TrainControl control = new TrainControl();
        TrainListener afterOneStep = new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                control.requestPause();
            }
        };
        try (Trainer t = Trainer.start(cfg, run, data, TrainerSmokeTest.cpu(), afterOneStep, control)) {
            assertEquals("paused", t.run().status());
        }
        Map<String, HostTensor> state = RunDirectory.open(run).latestCheckpoint().orElseThrow().modulation();

        // the eval model with the initial parameters over the whole training split
        FeatureSplit train = data.train();
        int n = train.size();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (ModalityShape m : train.modalities()) {
            FloatBuffer buf = FloatBuffer.allocate(n * m.valuesPerSample());
            train.gather(m.name(), rows, buf);
            in.put(m.name(), HostTensor.of(buf.array(), n, m.seqLen(), m.dim()));
        }
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = train.targets().label(i);
        }
        in.put(ModelIO.LABEL, HostTensor.of(labels, n));
        SafeTensors.read(run.resolve("artifacts/checkpoint.safetensors")).forEach((k, v) -> in.put(k, HostTensor.of(v.data(), v.shape())));
        ArtifactManifest manifest = ArtifactManifest.read(run.resolve("artifacts"));
        try (OrtModel eval = OrtModel.load(Files.readAllBytes(run.resolve("artifacts/eval_model.onnx")))) {
            for (String m : manifest.config().modalityNames()) {
                float[] h = eval.run(in, ModelIO.embedding(m)).get(ModelIO.embedding(m)).floats();
                int d = h.length / n;
                int classes = manifest.config().outputDim();
                double[] mean = new double[classes * d];
                int[] count = new int[classes];
                for (int i = 0; i < n; i++) {
                    count[(int) labels[i]]++;
                    for (int j = 0; j < d; j++) {
                        mean[(int) labels[i] * d + j] += h[i * d + j];
                    }
                }
                float[] got = state.get("prototypes/" + m).floats();
                for (int c = 0; c < classes; c++) {
                    assertTrue(count[c] > 0);
                    for (int j = 0; j < d; j++) {
                        assertEquals(mean[c * d + j] / count[c], got[c * d + j], 1e-5, m + " class " + c + "[" + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {LateFusion.ID, CggmModel.ID})
    void mslrFactorsReachTheOptimizer(String architecture, @TempDir Path tmp) throws Exception {
        TrainConfig cfg = config("mslr", Map.of("strategy", "static", "ratios", "text=1e-12,image=3"))
                .with(Map.of("loop.epochs", 1, "model.architecture", architecture));
        Path run = tmp.resolve("run");
        try (Trainer t = Trainer.start(cfg, run, data(2), TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        Map<String, SafeTensors.Entry> before = SafeTensors.read(run.resolve("artifacts/checkpoint.safetensors"));
        Map<String, SafeTensors.Entry> after = new Trainer.Inspector(run).latestParameters();
        ArtifactManifest manifest = ArtifactManifest.read(run.resolve("artifacts"));
        double textChange = 0;
        double imageChange = 0;
        for (ArtifactManifest.ParameterEntry p : manifest.parameters()) {
            float[] a = before.get(p.name()).data();
            float[] b = after.get(p.name()).data();
            double change = 0;
            for (int i = 0; i < a.length; i++) {
                change = Math.max(change, Math.abs(a[i] - b[i]));
            }
            if (p.group().equals(ModelIO.encoderGroup("text")) || p.group().equals(ModelIO.projectionGroup("text"))) {
                textChange = Math.max(textChange, change);
            } else if (p.group().equals(ModelIO.encoderGroup("image"))) {
                imageChange = Math.max(imageChange, change);
            }
        }
        assertTrue(textChange < 1e-7, "the text encoder trains at 1e-12 x lr: moved " + textChange);
        assertTrue(imageChange > 1e-4, "the image encoder trains at 3 x lr: moved " + imageChange);
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> {
            try {
                return Json.FILES.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }
}
