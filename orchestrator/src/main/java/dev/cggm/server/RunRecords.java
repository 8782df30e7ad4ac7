package dev.cggm.server;

import dev.cggm.api.v1.EpochMetrics;
import dev.cggm.api.v1.Metrics;
import dev.cggm.api.v1.ModalityStepStats;
import dev.cggm.api.v1.RunResult;
import dev.cggm.api.v1.StepMetrics;
import dev.cggm.train.TrainResult;

import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's metric records (the maps written to {@code steps.jsonl} and {@code epochs.jsonl}
 * and handed to a {@link dev.cggm.train.TrainListener}) as API messages. Per-modality keys
 * ({@code cls_acc/text}, …) become maps by modality; null (non-finite) values are left unset.
 */
final class RunRecords {
    private RunRecords() {
    }

    static StepMetrics step(Map<String, Object> r, long stepsPerEpoch) {
        StepMetrics.Builder b = StepMetrics.newBuilder()
                .setStep(longOf(r, "step"))
                .setEpoch((int) longOf(r, "epoch"))
                .setStepsPerEpoch(stepsPerEpoch)
                .setBatchSize((int) longOf(r, "batch"))
                .setLoss(doubleOf(r, "loss"))
                .setTotalLoss(doubleOf(r, "total_loss"))
                .setLearningRate(doubleOf(r, "lr"))
                .setGradNorm(doubleOf(r, "grad_norm"))
                .setDurationMs(doubleOf(r, "time_ms"));
        Map<String, ModalityStepStats.Builder> mods = new TreeMap<>();
        r.forEach((key, value) -> {
            int slash = key.indexOf('/');
            if (slash < 0 || !(value instanceof Number n)) {
                return;
            }
            ModalityStepStats.Builder m = mods.computeIfAbsent(key.substring(slash + 1),
                    k -> ModalityStepStats.newBuilder().setCoefficient(1.0));
            switch (key.substring(0, slash)) {
                case "cls_loss" -> m.setClassifierLoss(n.doubleValue());
                case "cls_acc" -> m.setClassifierAccuracy(n.doubleValue());
                default -> { }
            }
        });
        if (r.get("method") instanceof Map<?, ?> method) {
            method.forEach((k, v) -> {
                if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                    return;
                }
                String key = k.toString();
                b.putMethodMetrics(key, n.doubleValue());
                // the typed fields CGGM had before methods reported by name
                int slash = key.indexOf('/');
                ModalityStepStats.Builder m = slash < 0 ? null : mods.get(key.substring(slash + 1));
                switch (slash < 0 ? key : key.substring(0, slash)) {
                    case "l_gm" -> b.setBalanceLoss(n.doubleValue());
                    case "guard" -> b.setGuardTriggered(n.doubleValue() != 0);
                    case "coeff" -> {
                        if (m != null) {
                            m.setCoefficient(n.doubleValue());
                        }
                    }
                    case "cos" -> {
                        if (m != null) {
                            m.setCosine(n.doubleValue());
                        }
                    }
                    default -> { }
                }
            });
        }
        mods.forEach((name, m) -> b.putModalities(name, m.build()));
        return b.build();
    }

    static EpochMetrics epoch(Map<String, Object> r) {
        EpochMetrics.Builder b = EpochMetrics.newBuilder()
                .setEpoch((int) longOf(r, "epoch"))
                .setStep(longOf(r, "step"))
                .setLearningRate(doubleOf(r, "lr"))
                .setValidation(metrics(r, "val_"))
                .setBest(Boolean.TRUE.equals(r.get("best")))
                .setElapsedSeconds(doubleOf(r, "elapsed_s"));
        if (r.get("train_loss") instanceof Number n) {
            b.setTrainLoss(n.doubleValue());
        }
        return b.build();
    }

    /** The evaluation record of a split: keys {@code <prefix>loss}, {@code <prefix>cls_acc/<m>}, … */
    static Metrics metrics(Map<String, Object> r, String prefix) {
        Metrics.Builder b = Metrics.newBuilder();
        r.forEach((key, value) -> {
            if (!key.startsWith(prefix) || !(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                return;
            }
            String k = key.substring(prefix.length());
            if (k.equals("loss")) {
                b.setLoss(n.doubleValue());
            } else if (k.equals("imbalance")) {
                b.setImbalance(n.doubleValue());
            } else if (k.startsWith("cls_acc/")) {
                b.putClassifierAccuracy(k.substring("cls_acc/".length()), n.doubleValue());
            } else {
                b.putTaskMetrics(k, n.doubleValue());
            }
        });
        return b.build();
    }

    static RunResult result(TrainResult t) {
        return RunResult.newBuilder()
                .setBestEpoch(t.bestEpoch())
                .setEpochs(t.epochs())
                .setSteps(t.steps())
                .setValidation(metrics(t.validation(), ""))
                .setTest(metrics(t.test(), ""))
                .setSeconds(t.seconds())
                .build();
    }

    private static long longOf(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static double doubleOf(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : 0;
    }
}
