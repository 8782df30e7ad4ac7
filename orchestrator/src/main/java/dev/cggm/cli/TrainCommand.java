package dev.cggm.cli;

import dev.cggm.train.Recipes;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainResult;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.RunDirectory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cggm train}: trains a preset on a feature store, or resumes a run. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a feature store with joint training or CGGM, or resume a run.",
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

        @Option(names = "--preset", required = true, description = "Architecture and defaults: tiny, food101, mosi, iemocap.")
        String preset;

        @Option(names = "--out", required = true, paramLabel = "RUN", description = "Run directory to create.")
        Path out;

        @Option(names = "--modulation", defaultValue = "cggm", description = "none (joint training) or cggm (default).")
        String modulation;
    }

    @Option(names = "--epochs") Integer epochs;
    @Option(names = "--batch-size") Integer batchSize;
    @Option(names = "--lr", description = "Learning rate of the model optimizer.") Double lr;
    @Option(names = "--classifier-lr", description = "Learning rate of the per-modality classifiers.") Double classifierLr;
    @Option(names = "--optimizer", description = "adamw, adam or sgd.") String optimizer;
    @Option(names = "--weight-decay") Double weightDecay;
    @Option(names = "--classifier-weight-decay") Double classifierWeightDecay;
    @Option(names = "--momentum", description = "SGD momentum.") Double momentum;
    @Option(names = "--clip", description = "Max gradient norm of the model (0 = no clipping).") Double clip;
    @Option(names = "--scheduler", description = "plateau, cosine, step or none.") String scheduler;
    @Option(names = "--patience", description = "Plateau scheduler: epochs without improvement.") Integer patience;
    @Option(names = "--warmup-epochs", description = "Cosine scheduler: warm-up epochs.") Integer warmupEpochs;
    @Option(names = "--rho", description = "CGGM: encoder gradients are scaled by coefficient x rho.") Double rho;
    @Option(names = "--lambda", description = "CGGM: weight of the direction term L_gm.") Double lambda;
    @Option(names = "--direction", description = "CGGM direction term from out-layer 'weights' (official code) or 'gradients' (paper).")
    String direction;
    @Option(names = "--coefficients", description = "CGGM coefficients: 'faithful' (official formula) or 'guarded'.")
    String coefficients;
    @Option(names = "--seed") Long seed;
    @Option(names = "--no-dropout", description = "Train without dropout.") boolean noDropout;
    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Also checkpoint every STEPS steps (default: epoch ends only).")
    Integer checkpointEvery;
    @Option(names = "--select-by", description = "Best model by validation 'metric' (accuracy / MAE) or 'loss'.") String selectBy;
    @Option(names = "--device", description = "auto (default), cpu or cuda[:N].") String device;
    @Option(names = "--threads", description = "ONNX Runtime threads (0 = all cores).") Integer threads;
    @Option(names = "--json", description = "Print the run summary as one JSON line at the end of stdout.") boolean json;
    @Option(names = "--quiet", description = "No progress output and no closing summary line (errors still go to stderr).") boolean quiet;

    @Override
    public Integer call() throws Exception {
        TrainProgress progress = new TrainProgress(quiet);
        TrainResult result;
        if (mode.resume != null) {
            TrainConfig cfg = RunDirectory.open(mode.resume).readConfig();
            if (device != null || threads != null) {
                cfg = cfg.with(Map.of("device", device != null ? device : cfg.device(),
                        "threads", threads != null ? threads : cfg.threads()));
                RunDirectory.open(mode.resume).writeConfig(cfg);
            }
            try (InMemoryFeatureData data = FeatureStoreData.load(Path.of(cfg.features()));
                 Trainer t = Trainer.resume(mode.resume, data, cfg.sessions(), progress, new TrainControl())) {
                result = t.run();
            }
        } else {
            NewRun n = mode.start;
            TrainConfig cfg = Recipes.defaults(n.preset, n.features.toAbsolutePath().toString(), n.modulation)
                    .with(overrides());
            try (InMemoryFeatureData data = FeatureStoreData.load(n.features);
                 Trainer t = Trainer.start(cfg, n.out, data, cfg.sessions(), progress, new TrainControl())) {
                progress.onMessage("training " + n.preset + " (" + cfg.modulation() + ") on " + data.describe()
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

    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "epochs", epochs);
        put(o, "batch_size", batchSize);
        put(o, "lr", lr);
        put(o, "classifier_lr", classifierLr);
        put(o, "optimizer", optimizer);
        put(o, "weight_decay", weightDecay);
        put(o, "classifier_weight_decay", classifierWeightDecay);
        put(o, "momentum", momentum);
        put(o, "clip", clip);
        put(o, "scheduler", scheduler);
        put(o, "patience", patience);
        put(o, "warmup_epochs", warmupEpochs);
        put(o, "rho", rho);
        put(o, "lambda", lambda);
        put(o, "direction", direction == null ? null : direction.toUpperCase());
        put(o, "coefficients", coefficients == null ? null : coefficients.toUpperCase());
        put(o, "seed", seed);
        put(o, "checkpoint_every", checkpointEvery);
        put(o, "select_by", selectBy);
        put(o, "device", device);
        put(o, "threads", threads);
        if (noDropout) {
            o.put("dropout", false);
        }
        return o;
    }

    private static void put(Map<String, Object> m, String key, Object v) {
        if (v != null) {
            m.put(key, v);
        }
    }

}
