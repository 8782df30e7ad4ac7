package dev.cggm.train.method;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a gradient transform did in one step, for the step log and WatchRun: named numbers
 * ({@code coeff/text}, {@code l_gm}; per-modality names end in {@code /<modality>}; a non-finite
 * value is logged as null), kept in name order, and the loss it added on top of the graph's loss
 * terms (CGGM's λ·L_gm, which acts through its gradient only), so that {@code total_loss} is honest.
 * Name order, not the order given: a method may build its figures with {@code Map.of}, whose
 * iteration order changes from one JVM to the next, and a resumed run's log lines must be the
 * same as an uninterrupted run's.
 */
public record StepReport(Map<String, Double> metrics, double addedLoss) {
    public static final StepReport NONE = new StepReport(Map.of(), 0);

    public StepReport {
        metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
    }

    /** Both reports' metrics (the later one wins on a name) and the sum of their added losses. */
    public StepReport and(StepReport later) {
        Map<String, Double> m = new TreeMap<>(metrics);
        m.putAll(later.metrics());
        return new StepReport(m, addedLoss + later.addedLoss());
    }
}
