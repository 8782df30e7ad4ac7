package dev.cggm.server;

import dev.cggm.api.v1.EpochMetrics;
import dev.cggm.api.v1.Metrics;
import dev.cggm.api.v1.ModalityStepStats;
import dev.cggm.api.v1.RunResult;
import dev.cggm.api.v1.StepMetrics;
import dev.cggm.train.EpochRecord;
import dev.cggm.train.StepRecord;
import dev.cggm.train.TrainResult;

import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's records (its {@link StepRecord}s and {@link EpochRecord}s, and a result's
 * evaluation maps) as API messages; non-finite optional values are left unset.
 */
final class RunRecords {
    private RunRecords() {
    }

    static StepMetrics step(StepRecord r, long stepsPerEpoch) {
        StepMetrics.Builder b = StepMetrics.newBuilder()
                .setStep(r.step())
                .setEpoch(r.epoch())
                .setStepsPerEpoch(stepsPerEpoch)
                .setBatchSize(r.batchSize())
                .setLoss(r.loss())
                .setTotalLoss(r.totalLoss())
                .setLearningRate(r.learningRate())
                .setGradNorm(r.gradNorm())
                .setDurationMs(r.durationMs());
        Map<String, ModalityStepStats.Builder> mods = new TreeMap<>();
        r.modalities().forEach((name, s) -> {
            ModalityStepStats.Builder m = ModalityStepStats.newBuilder().setCoefficient(1.0)
                    .setClassifierAccuracy(s.agreement());
            if (Double.isFinite(s.classifierLoss())) {
                m.setClassifierLoss(s.classifierLoss());
            }
            mods.put(name, m);
        });
        r.methodMetrics().forEach((key, v) -> {
            if (!Double.isFinite(v)) {
                return;
            }
            b.putMethodMetrics(key, v);
            // the typed fields CGGM had before methods reported by name
            int slash = key.indexOf('/');
            ModalityStepStats.Builder m = slash < 0 ? null : mods.get(key.substring(slash + 1));
            switch (slash < 0 ? key : key.substring(0, slash)) {
                case "l_gm" -> b.setBalanceLoss(v);
                case "guard" -> b.setGuardTriggered(v != 0);
                case "coeff" -> {
                    if (m != null) {
                        m.setCoefficient(v);
                    }
                }
                case "cos" -> {
                    if (m != null) {
                        m.setCosine(v);
                    }
                }
                default -> { }
            }
        });
        mods.forEach((name, m) -> b.putModalities(name, m.build()));
        return b.build();
    }

    static EpochMetrics epoch(EpochRecord r) {
        EpochMetrics.Builder b = EpochMetrics.newBuilder()
                .setEpoch(r.epoch())
                .setStep(r.step())
                .setLearningRate(r.learningRate())
                .setValidation(metrics(r.validation().record(""), ""))
                .setBest(r.best())
                .setElapsedSeconds(r.elapsedSeconds());
        if (Double.isFinite(r.trainLoss())) {
            b.setTrainLoss(r.trainLoss());
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
}
