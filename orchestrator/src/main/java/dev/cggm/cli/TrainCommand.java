package dev.cggm.cli;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainResult;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.RunDirectory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cggm train}: trains a preset on a feature store, or resumes a run. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a feature store with a balancing method (joint, CGGM, ...), or resume a run.",
                "Modalities, widths, sequence lengths and classes come from the feature store; the preset gives the "
                        + "architecture and the training defaults (its official run script's). Progress goes to stderr."})
final class TrainCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @ArgGroup(exclusive = false)
        NewRun start;

        @Option(names = "--resume", paramLabel = "RUN", required = true,
                description = "Continue the run in RUN from its last checkpoint (its config.json is reused).")
        Path resume;
    }

    static final class NewRun {
        @Option(names = "--features", required = true, paramLabel = "STORE", description = "Feature store (from ./cggm extract).")
        Path features;

        @Option(names = "--preset", required = true, description = "Model sizes and training defaults: tiny, food101, mosi, iemocap.")
        String preset;

        @Option(names = "--out", required = true, paramLabel = "RUN", description = "Run directory to create.")
        Path out;

        @Option(names = {"--modulation", "--method"}, defaultValue = "cggm", paramLabel = "METHOD",
                description = "Balancing method or variant (default: cggm): joint (alias none), cggm, cggm-guarded, ... "
                        + "(./cggm methods lists them with their options).")
        String modulation;
    }

    @Mixin
    TrainingFlags flags;

    @Option(names = "--json", description = "Print the run summary as one JSON line at the end of stdout.") boolean json;
    @Option(names = "--quiet", description = "No progress output and no closing summary line (errors still go to stderr).") boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainProgress progress = new TrainProgress(quiet);
        TrainResult result;
        if (mode.resume != null) {
            RunDirectory dir = RunDirectory.open(mode.resume);
            TrainConfig cfg = dir.readConfig();
            List<String> fixed = flags.paths().keySet().stream().filter(k -> !k.startsWith("runtime.")).toList();
            if (!fixed.isEmpty() || !MethodFlags.values(spec, cfg.methodId()).isEmpty()) {
                throw new IllegalArgumentException("--resume continues a run with its own options; only --device and "
                        + "--threads may change (got " + String.join(", ", fixed) + ")");
            }
            Map<String, Object> changes = new LinkedHashMap<>();
            if (flags.device != null) {
                changes.put("runtime.device", flags.device);
            }
            if (flags.threads != null) {
                changes.put("runtime.threads", flags.threads);
            }
            if (!changes.isEmpty()) {
                cfg = withFlags(() -> dir.readConfig().with(changes));
                dir.writeConfig(cfg);
            }
            try (InMemoryFeatureData data = FeatureStoreData.load(Path.of(cfg.data().features()));
                 Trainer t = Trainer.resume(mode.resume, data, sessions(cfg), progress, new TrainControl())) {
                result = t.run();
            }
        } else {
            NewRun n = mode.start;
            Map<String, Object> options = new LinkedHashMap<>(flags.paths());
            options.putAll(MethodFlags.values(spec, n.modulation));
            TrainConfig cfg = withFlags(() -> TrainConfigs.resolve(n.preset, n.features.toAbsolutePath().toString(),
                    n.modulation, options));
            try (InMemoryFeatureData data = FeatureStoreData.load(n.features);
                 Trainer t = withFlags(() -> Trainer.start(cfg, n.out, data, sessions(cfg), progress, new TrainControl()))) {
                progress.onMessage("training " + n.preset + " (" + cfg.methodId() + ") on " + data.describe()
                        + " into " + n.out);
                result = t.run();
            }
        }
        if (!quiet) {
            System.err.println("run " + result.status() + ": " + result.runDir() + " (best epoch " + result.bestEpoch()
                    + "; test " + result.test() + ")");
        }
        if (json) {
            System.out.println(result.toJsonLine());
        }
        return result.status().equals("succeeded") ? 0 : 1;
    }

    /** The run's sessions; under {@code --quiet} without the line naming the device. */
    private DeviceSessions sessions(TrainConfig cfg) {
        return quiet ? cfg.sessions().silent() : cfg.sessions();
    }

    /** Something that may fail on an invalid option. */
    interface OptionsStep<T> {
        T get() throws Exception;
    }

    /** Runs {@code step}, naming the flag of an invalid option. */
    static <T> T withFlags(OptionsStep<T> step) throws Exception {
        try {
            return step.get();
        } catch (InvalidOption e) {
            throw TrainingFlags.asFlagError(e);
        }
    }
}
