package dev.cggm.train;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.method.igm.Igm;
import dev.cggm.train.method.igm.IgmOptions;
import dev.cggm.train.method.igm.Mixup;
import dev.cggm.train.run.Json;
import dev.cggm.train.run.RunDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three epochs of IGM (one per stage: image, text, image again; two steps each) in our trainer
 * and in a PyTorch driver of the official code's math ({@code reference/igm_reference_steps.py})
 * on the same initial weights, batches and mixup draws: every step's mixup and flat losses, every
 * epoch's validation accuracy (which picks the model each stage starts from), the last stage's
 * projection matrices and every parameter afterwards must agree. The second and third stages run
 * with the projection active. {@code faithful} is the official step as written (ρ = 1e-10);
 * {@code sam} checks our sharpness-aware variant against an independent PyTorch implementation,
 * with the encoders projected too (equal input widths, so their weights match in shape).
 */
class IgmReferenceParityTest {
    static final int EPOCHS = 3;
    static final int BATCH = 16;
    static final long SEED = 5;

    @ParameterizedTest(name = "{0}, projected {1}")
    @CsvSource({"faithful, head, 1e-10, 1e-10", "sam, all, 0.05, 0.02"})
    void igmMatchesTheOfficialMathInPyTorch(String flat, String projected, double rho, double rhoHead, @TempDir Path tmp)
            throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        FeatureData data = projected.equals("all") ? equalWidths(3, 32, 24, 8) : SyntheticFeatures.classification(3, 32, 24, 8, 6);
        TrainConfig cfg = TrainConfigs.resolve("tiny", "in-memory", "igm", Map.ofEntries(
                Map.entry("method.stage_epochs", List.of(1)), Map.entry("method.flat", flat),
                Map.entry("method.projected", projected), Map.entry("method.flat_rho", rho),
                Map.entry("method.flat_rho_head", rhoHead), Map.entry("loop.epochs", EPOCHS), Map.entry("loop.batch_size", BATCH),
                Map.entry("loop.seed", SEED), Map.entry("loop.clip", 0.0), Map.entry("optimizer.kind", "sgd"),
                Map.entry("optimizer.lr", 0.05), Map.entry("optimizer.momentum", 0.9), Map.entry("optimizer.weight_decay", 1e-4),
                Map.entry("schedule.kind", "none"), Map.entry("runtime.device", "cpu"), Map.entry("runtime.threads", 1)));
        List<StepRecord> steps = new ArrayList<>();
        List<EpochRecord> epochs = new ArrayList<>();
        TrainListener record = new TrainListener() {
            @Override
            public void onStep(StepRecord r, long stepsPerEpoch) {
                steps.add(r);
            }

            @Override
            public void onEpoch(EpochRecord r) {
                epochs.add(r);
            }
        };
        Path runDir = tmp.resolve("run");
        try (Trainer t = Trainer.start(cfg, runDir, data, TrainerSmokeTest.cpu(), record, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        IgmOptions o = (IgmOptions) cfg.method();
        Path dataFile = tmp.resolve("data.safetensors");
        SafeTensors.writeTensors(dataFile, dump(data, o.mixupAlpha()), Map.of());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("optimizer", "sgd");
        settings.put("lr", 0.05);
        settings.put("momentum", 0.9);
        settings.put("weight_decay", 1e-4);
        settings.put("epochs", EPOCHS);
        settings.put("batch_size", BATCH);
        settings.put("stage_epochs", o.stageEpochs());
        settings.put("tau", o.tau());
        settings.put("flat_ratio", o.flatRatio());
        settings.put("flat", flat);
        settings.put("rho", o.flatRho());
        settings.put("rho_head", o.flatRhoHead());
        settings.put("projected", projected);
        Path settingsFile = tmp.resolve("settings.json");
        Json.writeAtomically(settingsFile, settings);
        Path out = tmp.resolve("torch.safetensors");
        PyTorchReference.run(PyTorchReference.script("igm_reference_steps.py"), settingsFile.toString(),
                runDir.resolve("artifacts").toString(), dataFile.toString(), out.toString());
        Map<String, SafeTensors.Entry> torch = SafeTensors.read(out);

        List<String> problems = new ArrayList<>();
        assertEquals(EPOCHS * 2, steps.size());
        for (int s = 0; s < steps.size(); s++) {
            Map<String, Double> m = steps.get(s).methodMetrics();
            compare(problems, "step " + s + " loss_mixup", torch.get("step" + s + "/loss_mixup").data()[0],
                    m.get("loss_mixup"), 1e-5);
            compare(problems, "step " + s + " loss_flat", torch.get("step" + s + "/loss_flat").data()[0],
                    m.get("loss_flat"), 1e-5);
            assertEquals(s < 2 ? 0.0 : 3.0 + (projected.equals("all") ? 1 : 0), m.get("projected"), "step " + s);
        }
        for (int e = 0; e < EPOCHS; e++) {
            compare(problems, "epoch " + e + " val_acc", torch.get("epoch" + e + "/val_acc").data()[0],
                    epochs.get(e).validation().metrics().values().get("acc"), 1e-6);
        }
        RunDirectory.Checkpoint last = RunDirectory.open(runDir).latestCheckpoint().orElseThrow();
        int matrices = 0;
        for (var e : last.modulation().entrySet()) {
            if (e.getKey().startsWith("projection/")) {
                String layer = e.getKey().substring("projection/".length());
                compareAll(problems, "P of " + layer, torch.get("P/" + layer).data(), e.getValue().floats(), 1e-5);
                matrices++;
            }
        }
        assertEquals(projected.equals("all") ? 4 : 3, matrices);
        for (var e : last.parameters().entrySet()) {
            compareAll(problems, e.getKey(), torch.get("param/" + e.getKey()).data(), e.getValue().data(), 2e-5);
        }
        assertTrue(problems.isEmpty(), problems.size() + " values differ:\n" + String.join("\n", problems));
    }

    static void compare(List<String> problems, String what, double want, double got, double tol) {
        if (Math.abs(want - got) > tol * Math.max(1, Math.abs(want))) {
            problems.add(what + ": ours " + got + " vs PyTorch " + want);
        }
    }

    static void compareAll(List<String> problems, String what, float[] want, float[] got, double tol) {
        if (want.length != got.length) {
            problems.add(what + ": " + got.length + " values vs " + want.length);
            return;
        }
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(want[i] - got[i]) > tol * Math.max(1, Math.abs(want[i]))) {
                problems.add(what + "[" + i + "]: ours " + got[i] + " vs PyTorch " + want[i]);
                return;
            }
        }
    }

    /** The splits, each epoch's data order and each step's mixup draws, as our trainer takes them. */
    static Map<String, HostTensor> dump(FeatureData data, double alpha) {
        Map<String, HostTensor> d = new LinkedHashMap<>();
        putSplit(d, "train", data.train());
        putSplit(d, "val", data.validation());
        int n = data.train().size();
        int step = 0;
        for (int e = 0; e < EPOCHS; e++) {
            int[] order = Trainer.dataOrder(SEED, e, n);
            long[] o = new long[n];
            for (int i = 0; i < n; i++) {
                o[i] = order[i];
            }
            d.put("epoch" + e + "/order", HostTensor.of(o, n));
            for (int start = 0; start < n; start += BATCH, step++) {
                int rows = Math.min(BATCH, n - start);
                Mixup mix = Mixup.draw(dev.cggm.train.method.StepContext.randomOf(SEED, step, 0, Igm.MIXUP_SITE), rows, alpha);
                long[] perm = new long[rows];
                for (int i = 0; i < rows; i++) {
                    perm[i] = mix.permutation()[i];
                }
                d.put("step" + step + "/lambda", HostTensor.of(new double[] {mix.lambda()}, 1));
                d.put("step" + step + "/perm", HostTensor.of(perm, rows));
            }
        }
        return d;
    }

    static void putSplit(Map<String, HostTensor> d, String prefix, FeatureSplit split) {
        int n = split.size();
        int[] rows = new int[n];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
            labels[i] = split.targets().label(i);
        }
        for (ModalityShape m : split.modalities()) {
            FloatBuffer buf = FloatBuffer.allocate(n * m.valuesPerSample());
            split.gather(m.name(), rows, buf);
            d.put(prefix + "/" + m.name(), HostTensor.of(buf.array(), n, m.seqLen(), m.dim()));
        }
        d.put(prefix + "/label", HostTensor.of(labels, n));
    }

    /** Two modalities of the same width (so the encoders' weights match in shape), class signal in both. */
    static InMemoryFeatureData equalWidths(int classes, int train, int val, long seed) {
        List<ModalityShape> shapes = List.of(new ModalityShape("image", 3, 10), new ModalityShape("text", 4, 10));
        Random rng = new Random(seed);
        float[][][] proto = new float[2][classes][10];
        for (float[][] p : proto) {
            for (float[] row : p) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = (float) rng.nextGaussian();
                }
            }
        }
        return new InMemoryFeatureData(Tasks.CLASSIFICATION, classes, List.of("a", "b", "c"), shapes,
                split("train", train, shapes, proto, rng), split("validation", val, shapes, proto, rng),
                split("test", val, shapes, proto, rng));
    }

    static InMemoryFeatureData.Split split(String name, int n, List<ModalityShape> shapes, float[][][] proto, Random rng) {
        long[] labels = new long[n];
        Map<String, float[]> features = new LinkedHashMap<>();
        for (ModalityShape s : shapes) {
            features.put(s.name(), new float[n * s.valuesPerSample()]);
        }
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(proto[0].length);
            labels[i] = y;
            for (int k = 0; k < shapes.size(); k++) {
                ModalityShape s = shapes.get(k);
                float[] x = features.get(s.name());
                for (int j = 0; j < s.valuesPerSample(); j++) {
                    x[i * s.valuesPerSample() + j] = (float) ((k == 0 ? 0.5 : 1.0) * proto[k][y][j % s.dim()] + rng.nextGaussian());
                }
            }
        }
        return new InMemoryFeatureData.Split(name, shapes, features, Targets.classes(labels), InMemoryFeatureData.ids(name, n));
    }
}
