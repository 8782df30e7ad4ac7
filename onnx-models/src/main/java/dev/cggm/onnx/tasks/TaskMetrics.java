package dev.cggm.onnx.tasks;

import java.util.Map;

/** A task's figures for one evaluated split. */
public interface TaskMetrics {
    /** Every metric by name, in a stable order ({@code acc}, {@code f1_macro}, … or {@code mae}, {@code corr}, …). */
    Map<String, Double> values();

    /** The selection score: higher is better (accuracy; −MAE for regression). */
    double score();
}
