package dev.cggm.cli;

import dev.cggm.train.EpochRecord;
import dev.cggm.train.Evaluation;
import dev.cggm.train.StepRecord;
import dev.cggm.train.TrainListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress on stderr: a progress bar per epoch on a terminal, otherwise a plain line
 * every 10 seconds; one line per epoch with the validation figures either way.
 */
final class TrainProgress implements TrainListener {
    /** The task metrics an epoch line shows, those the task has, in this order. */
    private static final List<String> SHOWN_METRICS = List.of("acc", "f1_macro", "mae", "acc2", "dice", "dice_wt",
            "dice_tc", "dice_et");

    private final PrintStream err = System.err;
    private final boolean terminal = System.console() != null;
    private final boolean quiet;
    private ProgressBar bar;
    private long lastLine;

    TrainProgress(boolean quiet) {
        this.quiet = quiet;
    }

    @Override
    public void onStep(StepRecord r, long stepsPerEpoch) {
        if (quiet) {
            return;
        }
        long step = r.step();
        double loss = r.loss();
        if (terminal) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("epoch " + r.epoch()).setInitialMax(stepsPerEpoch)
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" steps", 1).showSpeed()
                        .setUpdateIntervalMillis(250).continuousUpdate().build();
                bar.stepTo(step % stepsPerEpoch);
            }
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
        } else if (System.nanoTime() - lastLine > 10_000_000_000L) {
            lastLine = System.nanoTime();
            err.printf(Locale.ROOT, "epoch %d step %d/%d loss %.4f%n", r.epoch(), step % stepsPerEpoch + 1,
                    stepsPerEpoch, loss);
        }
    }

    @Override
    public void onEpoch(EpochRecord r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        if (quiet) {
            return;
        }
        Evaluation val = r.validation();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "epoch %d: train loss %s, val loss %s",
                r.epoch(), fmt(r.trainLoss()), fmt(val.loss())));
        Map<String, Double> metrics = val.metrics().values();
        for (String key : SHOWN_METRICS) {
            if (metrics.containsKey(key)) {
                s.append(", ").append(key).append(' ').append(fmt(metrics.get(key)));
            }
        }
        s.append(", imbalance ").append(fmt(val.imbalance()));
        val.modalityAccuracy().forEach((m, a) -> s.append(", ").append(m).append(" clf ").append(fmt(a)));
        if (r.best()) {
            s.append("  (best)");
        }
        err.println(s);
    }

    @Override
    public void onMessage(String message) {
        if (!quiet) {
            err.println(message);
        }
    }

    /** As the epochs.jsonl record shows it: a non-finite value is null. */
    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }
}
