package dev.cggm.cli;

import dev.cggm.features.brats.BratsPhantom;
import dev.cggm.features.imports.BratsSource;
import dev.cggm.features.imports.ImportOptions;
import dev.cggm.features.store.Precision;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainResult;
import dev.cggm.train.Trainer;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cggm demo --task segmentation}: the paper's third task on the generated BraTS-like
 * phantom — generate it (small by default so the demo takes minutes on 2 cores), slice it into a
 * store, train the {@code brats} U-Net jointly and with CGGM from the same seed and print per-region
 * Dice side by side.
 */
final class SegmentationDemo {
    /**
     * The demo's phantom: 20 / 4 / 4 cases of 72 × 72 × 12 voxels, cropped to 64 × 64 — a tenth of
     * the default phantom's pixels, so that a run is a couple of minutes on 2 cores.
     */
    static final BratsPhantom.Spec PHANTOM = new BratsPhantom.Spec(72, 12, 20, 4, 4, 2021);
    static final int CROP = 64;
    /** Epochs per run unless --epochs says otherwise. */
    static final int EPOCHS = 6;
    /** Adam's learning rate in the demo (see {@link #config}). */
    static final double DEMO_LR = 2e-3;

    /** What the demo's command line sets. */
    record Settings(Path out, int epochs, int batchSize, long seed, List<String> variants, String device, int threads,
                    boolean json) {
    }

    private SegmentationDemo() {
    }

    static int run(Settings s) throws Exception {
        long t0 = System.nanoTime();
        Path data = s.out().resolve("brats-data");
        Path store = s.out().resolve("brats-features");
        for (String v : s.variants()) {
            config(s, v, store); // unknown variants fail before any work
        }
        System.err.println("demo: 1/" + (s.variants().size() + 1) + " phantom and slices in " + s.out().toAbsolutePath());
        try (BratsSource source = BratsSource.demo(data, PHANTOM, new BratsSource.Options(CROP, true))) {
            ImportCommand.run(store, source, new ImportOptions(BratsSource.DEFAULT_SHARD_SIZE, 32, Precision.FLOAT32,
                    false, List.of(), 0), "import");
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Map<String, TrainResult> results = new LinkedHashMap<>();
        try (InMemoryFeatureData features = FeatureStoreData.load(store)) {
            for (int i = 0; i < s.variants().size(); i++) {
                String variant = s.variants().get(i);
                System.err.printf(Locale.ROOT, "demo: %d/%d training %s%n", i + 2, s.variants().size() + 1, variant);
                TrainConfig cfg = config(s, variant, store);
                Path runDir = s.out().resolve("runs").resolve(stamp + "-segmentation-" + variant);
                try (Trainer t = Trainer.start(cfg, runDir, features, cfg.sessions(), new TrainProgress(false),
                        new TrainControl())) {
                    results.put(variant, t.run());
                }
            }
            DemoReport report = report(results, features.modalities().stream().map(m -> m.name()).toList(),
                    (System.nanoTime() - t0) / 1e9);
            Files.writeString(s.out().resolve("report-segmentation.md"),
                    report.markdown("metrics, `training.png`, `segmentation.png`, `inference_model.onnx`"));
            Json.writeAtomically(s.out().resolve("report-segmentation.json"), report.json());
            System.out.println(report.table());
            System.out.println("report: " + s.out().resolve("report-segmentation.md") + "; runs (segmentation.png, "
                    + "training.png): " + results.values().stream().map(r -> Path.of(r.runDir()).toString()).toList());
            if (s.json()) {
                System.out.println(Json.LINES.writeValueAsString(report.json()));
            }
        }
        return 0;
    }

    /**
     * The brats recipe for every variant but the method, shortened to the demo's epochs (its
     * cosine warm-up scaled to a tenth of them, as 10 of the recipe's 75) and with Adam at 2e-3
     * instead of SGD at 1e-2: in the demo's hundred-odd steps SGD learns the whole tumour but not
     * yet its core, Adam learns both.
     */
    private static TrainConfig config(Settings s, String variant, Path store) {
        try {
            return TrainConfigs.resolve("brats", store.toAbsolutePath().toString(), variant, Map.of(
                    "loop.epochs", s.epochs(), "loop.batch_size", s.batchSize(), "loop.seed", s.seed(),
                    "schedule.warmup_epochs", Math.max(0, s.epochs() / 10), "optimizer.kind", "adam",
                    "optimizer.lr", DEMO_LR, "runtime.device", s.device(),
                    "runtime.threads", s.threads()));
        } catch (InvalidOption e) {
            throw new IllegalArgumentException("--variants: " + e.reason(), e);
        }
    }

    /** The side-by-side comparison (one column per variant), test split, best-on-validation model. */
    static DemoReport report(Map<String, TrainResult> runs, List<String> modalities, double seconds) {
        List<DemoReport.Row> rows = new ArrayList<>();
        rows.add(DemoReport.test("test Dice, mean of WT/TC/ET", "dice"));
        rows.add(DemoReport.test("test Dice WT (whole tumour)", "dice_wt"));
        rows.add(DemoReport.test("test Dice TC (tumour core)", "dice_tc"));
        rows.add(DemoReport.test("test Dice ET (enhancing tumour)", "dice_et"));
        for (String m : modalities) {
            rows.add(DemoReport.test("mean Dice of the " + m + " decoder", "cls_acc/" + m));
        }
        rows.add(new DemoReport.Row("best epoch (validation)", r -> Integer.toString(r.bestEpoch())));
        rows.add(new DemoReport.Row("training time", r -> String.format(Locale.ROOT, "%.0f s", r.seconds())));
        return new DemoReport("cggm demo: segmentation, joint training vs CGGM", "Generated BraTS-like phantom (FLAIR "
                + "shows the whole tumour, T1ce the core and the enhancing rim), same seed for every run, `brats` U-Net (Adam 2e-3) on "
                + CROP + "×" + CROP + " slices. Dice per sample on the test split, best-on-validation model.", runs, rows,
                seconds);
    }
}
