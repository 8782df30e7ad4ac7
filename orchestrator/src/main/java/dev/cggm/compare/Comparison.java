package dev.cggm.compare;

import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelFit;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.method.Methods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A comparison of methods on one feature store: every entry is checked against the store before
 * anything trains (a method that cannot run on it fails at once, naming the entry), then each
 * entry trains once per seed, each training in its own JVM.
 */
public final class Comparison {
    private final Path features;
    private final String preset;
    private final List<ComparisonEntry> entries;
    private final List<String> modalities;
    private final List<String> metrics;
    private final String describe;

    private Comparison(Path features, String preset, List<ComparisonEntry> entries, List<String> modalities,
                       List<String> metrics, String describe) {
        this.features = features;
        this.preset = preset;
        this.entries = entries;
        this.modalities = modalities;
        this.metrics = metrics;
        this.describe = describe;
    }

    /** Every registered method and variant (aliases left out), and joint training on late fusion. */
    public static List<String> defaultMethods() {
        List<String> out = new ArrayList<>();
        for (String n : Methods.names()) {
            if (!n.equals("none")) {
                out.add(n);
            }
        }
        out.add(1, "joint@" + LateFusion.ID);
        return out;
    }

    /** Checks every entry against the store (options, architecture, modalities, preset) and plans the comparison. */
    public static Comparison plan(Path features, String preset, List<String> methods, boolean unimodal,
                                  Map<String, Object> options) {
        try (FeatureData data = FeatureStoreData.load(features)) {
            List<String> mods = data.modalities().stream().map(ModalityShape::name).toList();
            List<ComparisonEntry> entries = ComparisonEntry.parse(methods, mods, unimodal);
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("--methods: no method given");
            }
            for (ComparisonEntry e : entries) {
                try {
                    TrainConfig cfg = config(e, features, preset, options, 666);
                    ModelFit.configure(cfg, data.select(cfg.data().modalities()));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("--methods: '" + e.label() + "' cannot run on this store: "
                            + ex.getMessage(), ex);
                }
            }
            List<String> metrics = data.task() == Tasks.REGRESSION ? List.of("mae", "corr", "acc2")
                    : List.of("acc", "f1_macro");
            return new Comparison(features, preset, entries, mods, metrics, data.describe());
        }
    }

    static TrainConfig config(ComparisonEntry e, Path features, String preset, Map<String, Object> options, long seed) {
        Map<String, Object> o = new LinkedHashMap<>(options);
        if (e.architecture() != null) {
            o.put("model.architecture", e.architecture());
        }
        if (!e.modalities().isEmpty()) {
            o.put("data.modalities", e.modalities());
        }
        e.options().forEach((k, v) -> o.put("method." + k, typed(v)));
        o.put("loop.seed", seed);
        return TrainConfigs.resolve(preset, features.toString(), e.method(), o);
    }

    /** A command-line value as JSON would type it: a number, true/false, or text. */
    private static Object typed(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        try {
            return v.matches("-?\\d+") ? (Object) Long.parseLong(v) : (Object) Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    public List<ComparisonEntry> entries() {
        return entries;
    }

    /**
     * Trains every entry with seeds {@code base}, {@code base + 1}, … (seed-major, so a partial
     * comparison already has every method once), each run in {@code dir/runs/<entry>-s<seed>}.
     *
     * @param trainArgs further {@code train} flags given to every run
     */
    public List<ComparisonRun> run(Path dir, long base, int seeds, List<String> trainArgs, String mainClass,
                                   Consumer<String> progress) throws IOException, InterruptedException {
        ChildTraining child = new ChildTraining(mainClass);
        Files.createDirectories(dir.resolve("runs"));
        List<ComparisonRun> runs = new ArrayList<>();
        int total = seeds * entries.size();
        for (int k = 0; k < seeds; k++) {
            long seed = base + k;
            for (ComparisonEntry e : entries) {
                String name = e.label().replaceAll("[^A-Za-z0-9._-]+", "-") + "-s" + seed;
                Path runDir = dir.resolve("runs").resolve(name);
                List<String> args = new ArrayList<>(List.of("--features", features.toString(), "--preset", preset,
                        "--out", runDir.toString(), "--modulation", e.method(), "--seed", Long.toString(seed)));
                if (e.architecture() != null) {
                    args.addAll(List.of("--architecture", e.architecture()));
                }
                if (!e.modalities().isEmpty()) {
                    args.addAll(List.of("--modalities", String.join(",", e.modalities())));
                }
                e.options().forEach((option, v) -> args.addAll(List.of("--" + option.replace('_', '-'), v)));
                args.addAll(trainArgs);
                progress.accept(String.format(Locale.ROOT, "%d/%d %s, seed %d", runs.size() + 1, total, e.label(), seed));
                ComparisonRun r = child.run(e, seed, args, dir.resolve("runs").resolve(name + ".log"));
                progress.accept(r.succeeded()
                        ? String.format(Locale.ROOT, "    test %s", r.result().test().entrySet().stream()
                                .filter(x -> metrics.contains(x.getKey())).map(x -> x.getKey() + " "
                                        + String.format(Locale.ROOT, "%.3f", ((Number) x.getValue()).doubleValue())).toList())
                        : "    failed: " + r.error());
                runs.add(r);
            }
        }
        return runs;
    }

    public ComparisonReport report(List<ComparisonRun> runs) {
        return new ComparisonReport("cggm compare: " + describe, runs, modalities, metrics);
    }

    /** What the report says about how it was made. */
    public String preamble(int seeds, long base) {
        return String.format(Locale.ROOT, "Feature store `%s`, preset `%s`, %d seed(s) from %d; test split, "
                + "best-on-validation model of each run; mean ± sample standard deviation over the seeds. Each "
                + "modality's accuracy is that of its own output (auxiliary classifier or unimodal logits), imbalance "
                + "the gap between the best and the worst; s/epoch the mean training time per epoch; peak MiB the "
                + "largest peak resident memory of a run's process.", features, preset, seeds, base);
    }
}
