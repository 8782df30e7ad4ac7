package dev.cggm.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-step cosine schedule with linear warm-up, as the reference's {@code cosine_scheduler}:
 * {@code warmupSteps} values evenly spaced from {@code warmupStart} to {@code base} (both
 * included), then {@code final + ½(base − final)(1 + cos(π·i/n))} over the remaining n steps.
 */
public final class CosineWarmup implements LrSchedule {
    private final double base;
    private final double end;
    private final long totalSteps;
    private final long warmupSteps;
    private final double warmupStart;
    private double lr;

    public CosineWarmup(double base, double end, long totalSteps, long warmupSteps, double warmupStart) {
        if (warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warm-up (" + warmupSteps + " steps) is longer than training (" + totalSteps + ")");
        }
        this.base = base;
        this.end = end;
        this.totalSteps = totalSteps;
        this.warmupSteps = warmupSteps;
        this.warmupStart = warmupStart;
        this.lr = warmupSteps > 0 ? warmupStart : base;
    }

    @Override
    public double lr() {
        return lr;
    }

    @Override
    public void onStep(long step) {
        if (step < warmupSteps) {
            lr = warmupSteps == 1 ? base : warmupStart + (base - warmupStart) * step / (double) (warmupSteps - 1);
        } else {
            long n = totalSteps - warmupSteps;
            long i = Math.min(step - warmupSteps, Math.max(0, n - 1));
            lr = end + 0.5 * (base - end) * (1 + Math.cos(Math.PI * i / Math.max(1, n)));
        }
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("lr", lr);
        return s;
    }

    @Override
    public void restore(Map<String, Double> state) {
        lr = state.get("lr");
    }
}
