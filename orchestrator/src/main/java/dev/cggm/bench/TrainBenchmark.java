package dev.cggm.bench;

import ai.onnxruntime.OrtException;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.StepRecord;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainListener;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.run.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Whole training steps of our trainer (batch assembly, dropout masks, the ONNX Runtime run,
 * modulation, both optimizers) with joint training and with CGGM on identical random batches of
 * a preset, and — where PyTorch is installed — the reference CGGM step in PyTorch on the very
 * same batches and masks. Step times are medians after warm-up.
 */
public final class TrainBenchmark {
    private TrainBenchmark() {
    }

    /** Median step times in ms; {@code torchMs} is NaN when the reference could not run ({@code torchNote} says why). */
    public record Result(String preset, int batch, int steps, int threads, double jointMs, double cggmMs, double torchMs,
                         String torchNote) {
        public String format() {
            StringBuilder s = new StringBuilder(String.format(
                    "bench train: preset %s, batch %d, median of %d steps after warm-up, threads: %s%n"
                            + "  joint training step           : %9.1f ms%n"
                            + "  CGGM training step            : %9.1f ms%n"
                            + "  ratio CGGM/joint              : %9.3f%n",
                    preset, batch, steps, threads > 0 ? Integer.toString(threads) : "all cores", jointMs, cggmMs, cggmMs / jointMs));
            if (Double.isNaN(torchMs)) {
                s.append("  PyTorch CGGM step             : not measured (").append(torchNote).append(")");
            } else {
                s.append(String.format("  PyTorch CGGM step             : %9.1f ms  (%s)%n", torchMs, torchNote));
                s.append(String.format("  ratio ours/PyTorch (CGGM)     : %9.3f", cggmMs / torchMs));
            }
            return s.toString();
        }
    }

    /** {@code batch} null: the preset's (8 for brats, else 32). */
    public static Result run(String preset, Integer batch, int steps, int warmup, int threads, boolean withTorch)
            throws Exception {
        if ("brats".equals(preset)) {
            return SegmentationBenchmark.run(batch != null ? batch : 8, steps, warmup, threads, withTorch);
        }
        return run(preset, batch != null ? batch : 32, steps, warmup, threads, withTorch);
    }

    private static Result run(String preset, int batch, int steps, int warmup, int threads, boolean withTorch)
            throws IOException, OrtException, InterruptedException {
        CggmModelConfig model = Presets.get(preset);
        int total = warmup + steps;
        InMemoryFeatureData data = randomData(model, batch * total, batch, 7);
        Path tmp = Files.createTempDirectory("cggm-bench-train");
        try {
            double joint = median(timeSteps(config(preset, "joint", batch, threads), data, total, warmup, threads,
                    tmp.resolve("joint")));
            Path cggmRun = tmp.resolve("cggm");
            TrainConfig cggmCfg = config(preset, "cggm", batch, threads);
            double cggm = median(timeSteps(cggmCfg, data, total, warmup, threads, cggmRun));
            double torch = Double.NaN;
            String note = torchSkipped(withTorch);
            if (note == null) {
                Path steps_ = tmp.resolve("steps.safetensors");
                ReferenceBatches.write(steps_, data, ArtifactManifest.read(cggmRun.resolve("artifacts")),
                        cggmCfg.loop().seed(), batch, total);
                Path cfgFile = tmp.resolve("config.json");
                Json.writeAtomically(cfgFile, ReferenceBatches.stepSettings(cggmCfg));
                Path out = tmp.resolve("torch.safetensors");
                int torchThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
                PyTorchReference.run(PyTorchReference.script("cggm_reference_steps.py"), cfgFile.toString(),
                        cggmRun.resolve("artifacts").toString(), steps_.toString(), out.toString(),
                        Integer.toString(torchThreads));
                Map<String, SafeTensors.Entry> r = SafeTensors.read(out);
                double[] ms = new double[steps];
                for (int t = warmup; t < total; t++) {
                    ms[t - warmup] = r.get("step" + t + "/ms").data()[0];
                }
                torch = median(ms);
                note = "same batches and dropout masks, " + torchThreads + " thread(s)";
            }
            return new Result(preset, batch, steps, threads, joint, cggm, torch, note);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Why the PyTorch side is not measured ({@code --no-torch}, no PyTorch), or null when it can be. */
    static String torchSkipped(boolean withTorch) {
        return !withTorch ? "--no-torch" : !PyTorchReference.available() ? PyTorchReference.MISSING : null;
    }

    private static TrainConfig config(String preset, String method, int batch, int threads) {
        return TrainConfigs.resolve(preset, "random", method, Map.of("loop.epochs", 1, "loop.batch_size", batch,
                "runtime.device", "cpu", "runtime.threads", threads));
    }

    /** Runs {@code total} steps and returns the times of those after the warm-up. */
    static double[] timeSteps(TrainConfig cfg, InMemoryFeatureData data, int total, int warmup, int threads, Path runDir)
            throws IOException, OrtException {
        List<Double> times = new ArrayList<>();
        TrainControl control = new TrainControl();
        TrainListener listener = new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                times.add(record.durationMs());
                if (times.size() == total) {
                    control.requestPause();
                }
            }
        };
        DeviceSessions options = new DeviceSessions(ExecutionDevice.CPU, threads);
        try (Trainer t = Trainer.start(cfg, runDir, data, options, listener, control)) {
            t.run();
        }
        return times.subList(warmup, total).stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Gaussian features of the preset's shapes with random labels (or targets). */
    static InMemoryFeatureData randomData(CggmModelConfig model, int trainRows, int evalRows, long seed) {
        Random rng = new Random(seed);
        List<ModalityShape> shapes = model.modalities().stream()
                .map((Modality m) -> new ModalityShape(m.name(), m.seqLen(), m.inputDim())).toList();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < model.outputDim(); c++) {
            names.add("class" + c);
        }
        boolean classes = model.task() == Tasks.CLASSIFICATION;
        return new InMemoryFeatureData(model.task(), classes ? model.outputDim() : 1, classes ? names : List.of(), shapes,
                split("train", trainRows, shapes, model, rng), split("validation", evalRows, shapes, model, rng),
                split("test", evalRows, shapes, model, rng));
    }

    private static InMemoryFeatureData.Split split(String name, int n, List<ModalityShape> shapes, CggmModelConfig model,
                                                   Random rng) {
        Map<String, float[]> features = gaussianFeatures(n, shapes, rng);
        long[] labels = new long[n];
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(model.outputDim());
            values[i] = (float) (3 * Math.tanh(rng.nextGaussian()));
        }
        Targets targets = model.task() == Tasks.CLASSIFICATION ? Targets.classes(labels) : Targets.values(values);
        return new InMemoryFeatureData.Split(name, shapes, features, targets, InMemoryFeatureData.ids(name, n));
    }

    /** {@code n} samples of standard normal values per modality. */
    static Map<String, float[]> gaussianFeatures(int n, List<ModalityShape> shapes, Random rng) {
        Map<String, float[]> features = new LinkedHashMap<>();
        for (ModalityShape m : shapes) {
            float[] f = new float[n * m.valuesPerSample()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) rng.nextGaussian();
            }
            features.put(m.name(), f);
        }
        return features;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
