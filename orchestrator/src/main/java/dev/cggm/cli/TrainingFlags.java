package dev.cggm.cli;

import dev.cggm.train.config.InvalidOption;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training options shared by {@code train} and {@code compare}, each mapped to its path in
 * the run configuration. Values are validated once, by the configuration's option records; an
 * error names the flag.
 */
final class TrainingFlags {
    @Option(names = "--architecture", description = "Architecture (default: the method's): cggm-reference, late-fusion, ...")
    String architecture;
    @Option(names = "--modalities", split = ",", paramLabel = "M,...",
            description = "Train on these modalities of the store only (e.g. text: a unimodal baseline).")
    List<String> modalities;
    @Option(names = "--modality-order", split = ",", paramLabel = "M,...",
            description = "The order the model reads the modalities in (default: the preset's, e.g. image,text for food101).")
    List<String> modalityOrder;
    @Option(names = "--faithful-projection",
            description = "cggm-reference: project text with the image projection, as the official Food-101 code does.")
    boolean faithfulProjection;
    @Option(names = "--epochs") Integer epochs;
    @Option(names = "--batch-size") Integer batchSize;
    @Option(names = "--lr", description = "Learning rate of the model optimizer.") Double lr;
    @Option(names = "--classifier-lr", description = "Learning rate of the auxiliary classifiers.") Double classifierLr;
    @Option(names = "--optimizer", description = "adamw, adam or sgd.") String optimizer;
    @Option(names = "--weight-decay") Double weightDecay;
    @Option(names = "--classifier-weight-decay") Double classifierWeightDecay;
    @Option(names = "--momentum", description = "SGD momentum.") Double momentum;
    @Option(names = "--clip", description = "Max gradient norm of the model (0 = no clipping).") Double clip;
    @Option(names = "--scheduler", description = "plateau, cosine, step or none.") String scheduler;
    @Option(names = "--patience", description = "Plateau scheduler: epochs without improvement.") Integer patience;
    @Option(names = "--factor", description = "Plateau scheduler: factor of each drop.") Double factor;
    @Option(names = "--warmup-epochs", description = "Cosine scheduler: warm-up epochs.") Integer warmupEpochs;
    @Option(names = "--min-lr", description = "Cosine scheduler: final learning rate.") Double minLr;
    @Option(names = "--step-size", description = "Step scheduler: epochs between drops.") Integer stepSize;
    @Option(names = "--gamma", description = "Step scheduler: factor of each drop.") Double gamma;
    @Option(names = "--seed") Long seed;
    @Option(names = "--no-dropout", description = "Train without dropout.") boolean noDropout;
    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Also checkpoint every STEPS steps (default: epoch ends only).")
    Integer checkpointEvery;
    @Option(names = "--select-by", description = "Best model by validation 'metric' (accuracy / MAE) or 'loss'.") String selectBy;
    @Option(names = "--device", description = "auto (default), cpu or cuda[:N].") String device;
    @Option(names = "--threads", description = "ONNX Runtime threads (0 = all cores).") Integer threads;

    /** Flag → configuration path. */
    private static final Map<String, String> PATHS = new LinkedHashMap<>();

    static {
        PATHS.put("--architecture", "model.architecture");
        PATHS.put("--modalities", "data.modalities");
        PATHS.put("--modality-order", "model.modality_order");
        PATHS.put("--faithful-projection", "model.faithful_projection");
        PATHS.put("--epochs", "loop.epochs");
        PATHS.put("--batch-size", "loop.batch_size");
        PATHS.put("--lr", "optimizer.lr");
        PATHS.put("--classifier-lr", "auxiliary.lr");
        PATHS.put("--optimizer", "optimizer.kind");
        PATHS.put("--weight-decay", "optimizer.weight_decay");
        PATHS.put("--classifier-weight-decay", "auxiliary.weight_decay");
        PATHS.put("--momentum", "optimizer.momentum");
        PATHS.put("--clip", "loop.clip");
        PATHS.put("--scheduler", "schedule.kind");
        PATHS.put("--patience", "schedule.patience");
        PATHS.put("--factor", "schedule.factor");
        PATHS.put("--warmup-epochs", "schedule.warmup_epochs");
        PATHS.put("--min-lr", "schedule.min_lr");
        PATHS.put("--step-size", "schedule.step_size");
        PATHS.put("--gamma", "schedule.gamma");
        PATHS.put("--seed", "loop.seed");
        PATHS.put("--no-dropout", "loop.dropout");
        PATHS.put("--checkpoint-every", "loop.checkpoint_every");
        PATHS.put("--select-by", "loop.select_by");
        PATHS.put("--device", "runtime.device");
        PATHS.put("--threads", "runtime.threads");
    }

    /** The flags given, as configuration paths and values. */
    Map<String, Object> paths() {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "--architecture", architecture);
        put(o, "--modalities", modalities);
        put(o, "--modality-order", modalityOrder);
        put(o, "--faithful-projection", faithfulProjection ? Boolean.TRUE : null);
        put(o, "--epochs", epochs);
        put(o, "--batch-size", batchSize);
        put(o, "--lr", lr);
        put(o, "--classifier-lr", classifierLr);
        put(o, "--optimizer", optimizer);
        put(o, "--weight-decay", weightDecay);
        put(o, "--classifier-weight-decay", classifierWeightDecay);
        put(o, "--momentum", momentum);
        put(o, "--clip", clip);
        put(o, "--scheduler", scheduler);
        put(o, "--patience", patience);
        put(o, "--factor", factor);
        put(o, "--warmup-epochs", warmupEpochs);
        put(o, "--min-lr", minLr);
        put(o, "--step-size", stepSize);
        put(o, "--gamma", gamma);
        put(o, "--seed", seed);
        put(o, "--no-dropout", noDropout ? Boolean.FALSE : null);
        put(o, "--checkpoint-every", checkpointEvery);
        put(o, "--select-by", selectBy);
        put(o, "--device", device);
        put(o, "--threads", threads);
        return o;
    }

    /** The flags given, as command-line arguments again (to pass on to a {@code train} in another process). */
    List<String> cliArgs() {
        List<String> a = new java.util.ArrayList<>();
        for (var e : paths().entrySet()) {
            String flag = PATHS.entrySet().stream().filter(p -> p.getValue().equals(e.getKey())).findFirst().orElseThrow()
                    .getKey();
            Object v = e.getValue();
            if (v instanceof Boolean) {
                a.add(flag); // the boolean flags are switches
            } else {
                a.add(flag);
                a.add(v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(v));
            }
        }
        return a;
    }

    private static void put(Map<String, Object> m, String flag, Object v) {
        if (v != null) {
            m.put(PATHS.get(flag), v);
        }
    }

    /** An invalid option as the flag that set it ({@code --lr: must be ...}). */
    static IllegalArgumentException asFlagError(InvalidOption e) {
        String flag = PATHS.entrySet().stream().filter(p -> p.getValue().equals(e.field())).map(Map.Entry::getKey)
                .findFirst().orElse(null);
        if (flag == null && e.field().startsWith("method.")) {
            flag = MethodFlags.flagOf(e.field().substring("method.".length()));
        }
        if (flag == null && e.field().equals("method")) {
            flag = "--modulation";
        }
        return new IllegalArgumentException((flag != null ? flag : e.field()) + ": " + e.reason(), e);
    }
}
