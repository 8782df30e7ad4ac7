package dev.cggm.train.config;

/**
 * The learning-rate schedule of the model optimizer; each kind reads its own fields.
 *
 * @param patience     plateau: epochs without improvement before a drop
 * @param factor       plateau: factor of each drop
 * @param warmupEpochs cosine: linear warm-up epochs (from lr/25)
 * @param minLr        cosine: the final rate
 * @param stepSize     step: epochs between drops
 * @param gamma        step: factor of each drop
 */
public record ScheduleOptions(ScheduleKind kind, int patience, double factor, int warmupEpochs, double minLr,
                              int stepSize, double gamma) {
    public ScheduleOptions {
        InvalidOption.required("kind", kind);
        InvalidOption.range("patience", patience, 0, Integer.MAX_VALUE);
        InvalidOption.within("factor", factor, 0, 1, false);
        if (factor == 0) {
            throw new InvalidOption("factor", "must be in (0, 1], got 0.0");
        }
        InvalidOption.range("warmup_epochs", warmupEpochs, 0, Integer.MAX_VALUE);
        InvalidOption.nonNegative("min_lr", minLr);
        InvalidOption.range("step_size", stepSize, 1, Integer.MAX_VALUE);
        InvalidOption.positive("gamma", gamma);
    }
}
