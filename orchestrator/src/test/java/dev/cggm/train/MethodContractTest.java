package dev.cggm.train;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.Methods;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every registered method must do, checked for each one (and each variant) automatically:
 * train the tiny model on 2 modalities and — where the method and its architecture allow — on 3;
 * a run paused mid-epoch and resumed ends with exactly the weights and metrics of an
 * uninterrupted one (the method's state survives the checkpoint); the exported inference model
 * gives the eval model's predictions (the method's prediction rule is in the export); every step
 * reports each modality's accuracy. A new method gets these checks by being registered.
 */
class MethodContractTest {
    static Stream<Arguments> methods() {
        List<Arguments> out = new ArrayList<>();
        for (String name : Methods.names()) {
            MethodDescriptor<?> d = Methods.get(Methods.resolve(name).method());
            if (name.equals("none")) {
                continue; // an alias of joint
            }
            out.add(Arguments.of(name, 2));
            // three modalities: on an architecture whose tiny preset takes any number of them
            if (d.refusal(3) == null && d.architectures().contains(LateFusion.ID)) {
                out.add(Arguments.of(name, 3));
            }
        }
        return out.stream();
    }

    static TrainConfig config(String method, int modalities) {
        MethodDescriptor<?> d = Methods.get(Methods.resolve(method).method());
        Map<String, Object> o = new LinkedHashMap<>(Map.of("loop.epochs", 2, "loop.batch_size", 16, "loop.seed", 4,
                "runtime.device", "cpu", "runtime.threads", 1, "loop.checkpoint_every", 3));
        if (modalities == 3) {
            o.put("model.architecture", LateFusion.ID);
        }
        return TrainConfigs.resolve("tiny", "in-memory", method, o).with(Map.of(
                "model.architecture", modalities == 3 ? LateFusion.ID : d.defaultArchitecture()));
    }

    static FeatureData data(int modalities) {
        return modalities == 2 ? SyntheticFeatures.classification(3, 64, 24, 24, 9)
                : SyntheticFeatures.classification3(3, 64, 24, 24, 9);
    }

    @ParameterizedTest(name = "{0}, {1} modalities")
    @MethodSource("methods")
    void trainsResumesExactlyAndExportsItsPredictionRule(String method, int modalities, @TempDir Path tmp)
            throws Exception {
        TrainConfig cfg = config(method, modalities);
        FeatureData data = data(modalities);
        Path straight = tmp.resolve("straight");
        TrainResult r;
        try (Trainer t = Trainer.start(cfg, straight, data, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            r = t.run();
        }
        assertEquals("succeeded", r.status(), String.valueOf(r.error()));
        for (ModalityShape m : data.modalities()) {
            assertTrue(r.test().containsKey("cls_acc/" + m.name()), r.test().toString());
        }
        String firstStep = Files.readAllLines(straight.resolve("metrics/steps.jsonl")).get(0);
        assertTrue(firstStep.contains("\"cls_acc/" + data.modalities().get(0).name() + "\""), firstStep);

        // paused inside epoch 2, between checkpoints, and resumed
        TrainControl control = new TrainControl();
        TrainListener pause = PauseAt.step(control, stepsPerEpoch -> stepsPerEpoch + 1);
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

        // the exported model predicts what the eval model (with the best parameters) predicts
        Map<String, HostTensor> best = new LinkedHashMap<>();
        SafeTensors.read(straight.resolve("best/parameters.safetensors"))
                .forEach((k, v) -> best.put(k, HostTensor.of(v.data(), v.shape())));
        float[] exported = run(straight.resolve("inference_model.onnx"), data.test(), Map.of());
        float[] evaluated = run(straight.resolve("artifacts/eval_model.onnx"), data.test(), best);
        assertEquals(evaluated.length, exported.length);
        for (int i = 0; i < exported.length; i++) {
            assertEquals(evaluated[i], exported[i], 1e-4 * Math.max(1, Math.abs(evaluated[i])), "output " + i);
        }
    }

    /** The model's {@code output} on a whole split (with the given parameters, and labels, fed where it takes them). */
    static float[] run(Path model, FeatureSplit split, Map<String, HostTensor> params) throws Exception {
        int n = split.size();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (ModalityShape m : split.modalities()) {
            FloatBuffer buf = FloatBuffer.allocate(n * m.valuesPerSample());
            split.gather(m.name(), rows, buf);
            in.put(m.name(), HostTensor.of(buf.array(), n, m.seqLen(), m.dim()));
        }
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = split.targets().label(i);
        }
        in.put("label", HostTensor.of(labels, n));
        in.putAll(params);
        try (OrtModel m = OrtModel.load(Files.readAllBytes(model))) {
            return m.run(in, "output").get("output").floats();
        }
    }
}
