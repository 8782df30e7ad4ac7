package dev.cggm.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code torch.optim.lr_scheduler.StepLR}: the rate is multiplied by {@code gamma} every {@code stepSize} epochs. */
public final class StepDecay implements LrSchedule {
    private final double base;
    private final int stepSize;
    private final double gamma;
    private double lr;

    public StepDecay(double base, int stepSize, double gamma) {
        if (stepSize <= 0) {
            throw new IllegalArgumentException("step size must be > 0 epochs");
        }
        this.base = base;
        this.stepSize = stepSize;
        this.gamma = gamma;
        this.lr = base;
    }

    @Override
    public double lr() {
        return lr;
    }

    @Override
    public void onEpochEnd(int epoch, double validationLoss) {
        lr = base * Math.pow(gamma, (epoch + 1) / stepSize);
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
