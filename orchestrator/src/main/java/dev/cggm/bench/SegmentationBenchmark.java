package dev.cggm.bench;

import dev.cggm.features.brats.BratsCase;
import dev.cggm.features.imports.BratsSource;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.run.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code bench train --preset brats}: training steps of the {@code brats} multimodal U-Net
 * (four modalities of S × S slices, label maps of 4 classes) with joint training and with CGGM,
 * and — where PyTorch is installed — the same model's CGGM step in PyTorch
 * ({@code reference/unet_step_bench.py}: the parity-tested twin of our graphs with the run's
 * initial weights, same batch and slice size, SGD), measured in the same run.
 */
final class SegmentationBenchmark {
    /** The side of the slices (the reference's centre crop). */
    static final int SIDE = 160;

    private SegmentationBenchmark() {
    }

    static TrainBenchmark.Result run(int batch, int steps, int warmup, int threads, boolean withTorch) throws Exception {
        int total = warmup + steps;
        InMemoryFeatureData data = randomSlices(batch * total, batch, SIDE, 7);
        Path tmp = Files.createTempDirectory("cggm-bench-train");
        try {
            double joint = TrainBenchmark.median(TrainBenchmark.timeSteps(config("joint", batch, threads), data, total,
                    warmup, threads, tmp.resolve("joint")));
            Path cggmRun = tmp.resolve("cggm");
            double cggm = TrainBenchmark.median(TrainBenchmark.timeSteps(config("cggm", batch, threads), data, total,
                    warmup, threads, cggmRun));
            double torch = Double.NaN;
            String note = TrainBenchmark.torchSkipped(withTorch);
            if (note == null) {
                int torchThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
                String line = PyTorchReference.run(PyTorchReference.script("unet_step_bench.py"),
                        cggmRun.resolve("artifacts").toString(), Integer.toString(batch), Integer.toString(steps),
                        Integer.toString(warmup), Integer.toString(torchThreads));
                String last = line.strip().lines().reduce((a, b) -> b).orElse("{}");
                torch = Json.LINES.readTree(last).path("train_ms").asDouble(Double.NaN);
                note = "the same U-Net in PyTorch, random slices of the same shapes, " + torchThreads + " thread(s)";
            }
            return new TrainBenchmark.Result("brats", batch, steps, threads, joint, cggm, torch, note);
        } finally {
            TrainBenchmark.deleteTree(tmp);
        }
    }

    private static TrainConfig config(String method, int batch, int threads) {
        return TrainConfigs.resolve("brats", "random", method, Map.of("loop.epochs", 1, "loop.batch_size", batch,
                "schedule.warmup_epochs", 0, "runtime.device", "cpu", "runtime.threads", threads));
    }

    /** Gaussian slices of the four BraTS modalities with random label maps. */
    static InMemoryFeatureData randomSlices(int trainRows, int evalRows, int side, long seed) {
        Random rng = new Random(seed);
        List<ModalityShape> shapes = BratsCase.MODALITIES.stream().map(m -> new ModalityShape(m, side, side)).toList();
        return new InMemoryFeatureData(Tasks.SEGMENTATION, 4, BratsSource.LABEL_NAMES, shapes,
                split("train", trainRows, shapes, side, rng), split("validation", evalRows, shapes, side, rng),
                split("test", evalRows, shapes, side, rng));
    }

    private static InMemoryFeatureData.Split split(String name, int n, List<ModalityShape> shapes, int side, Random rng) {
        Map<String, float[]> features = TrainBenchmark.gaussianFeatures(n, shapes, rng);
        byte[] labels = new byte[n * side * side];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) rng.nextInt(4);
        }
        return new InMemoryFeatureData.Split(name, shapes, features, Targets.labelMaps(labels, side, side),
                InMemoryFeatureData.ids(name, n));
    }
}
