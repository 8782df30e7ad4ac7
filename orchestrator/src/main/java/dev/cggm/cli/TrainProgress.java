package dev.cggm.cli;

import dev.cggm.train.TrainListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress on stderr: a progress bar per epoch on a terminal, otherwise a plain line
 * every 10 seconds; one line per epoch with the validation figures either way.
 */
final class TrainProgress implements TrainListener {
    private final PrintStream err = System.err;
    private final boolean terminal = System.console() != null;
    private final boolean quiet;
    private ProgressBar bar;
    private long lastLine;

    TrainProgress(boolean quiet) {
        this.quiet = quiet;
    }

    @Override
    public void onStep(Map<String, Object> r, long stepsPerEpoch) {
        if (quiet) {
            return;
        }
        long step = ((Number) r.get("step")).longValue();
        double loss = ((Number) r.get("loss")).doubleValue();
        if (terminal) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("epoch " + r.get("epoch")).setInitialMax(stepsPerEpoch)
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" steps", 1).showSpeed()
                        .setUpdateIntervalMillis(250).continuousUpdate().build();
                bar.stepTo(step % stepsPerEpoch);
            }
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
        } else if (System.nanoTime() - lastLine > 10_000_000_000L) {
            lastLine = System.nanoTime();
            err.printf(Locale.ROOT, "epoch %s step %d/%d loss %.4f%n", r.get("epoch"), step % stepsPerEpoch + 1,
                    stepsPerEpoch, loss);
        }
    }

    @Override
    public void onEpoch(Map<String, Object> r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        if (quiet) {
            return;
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "epoch %s: train loss %s, val loss %s",
                r.get("epoch"), fmt(r.get("train_loss")), fmt(r.get("val_loss"))));
        for (String key : new String[] {"val_acc", "val_f1_macro", "val_mae", "val_acc2", "val_dice", "val_dice_wt",
                "val_dice_tc", "val_dice_et", "val_imbalance"}) {
            if (r.containsKey(key)) {
                s.append(", ").append(key.substring(4)).append(' ').append(fmt(r.get(key)));
            }
        }
        r.forEach((k, v) -> {
            if (k.startsWith("val_cls_acc/")) {
                s.append(", ").append(k.substring(12)).append(" clf ").append(fmt(v));
            }
        });
        if (Boolean.TRUE.equals(r.get("best"))) {
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

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : String.valueOf(v);
    }
}
