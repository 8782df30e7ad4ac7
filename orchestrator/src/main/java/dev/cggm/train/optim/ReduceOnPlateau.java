package dev.cggm.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau} in mode "min" with relative threshold 1e-4,
 * no cooldown and min_lr 0: after more than {@code patience} epochs without improvement of the
 * validation loss, the rate is multiplied by {@code factor}.
 */
public final class ReduceOnPlateau implements LrSchedule {
    private static final double THRESHOLD = 1e-4;
    private static final double EPS = 1e-8;

    private final double factor;
    private final int patience;
    private double lr;
    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs;

    public ReduceOnPlateau(double lr, double factor, int patience) {
        this.lr = lr;
        this.factor = factor;
        this.patience = patience;
    }

    @Override
    public double lr() {
        return lr;
    }

    @Override
    public void onEpochEnd(int epoch, double validationLoss) {
        if (validationLoss < best * (1 - THRESHOLD)) {
            best = validationLoss;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (badEpochs > patience) {
            double reduced = lr * factor;
            if (lr - reduced > EPS) {
                lr = reduced;
            }
            badEpochs = 0;
        }
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("lr", lr);
        s.put("best", best);
        s.put("bad_epochs", (double) badEpochs);
        return s;
    }

    @Override
    public void restore(Map<String, Double> state) {
        lr = state.get("lr");
        best = state.get("best");
        badEpochs = state.get("bad_epochs").intValue();
    }
}
