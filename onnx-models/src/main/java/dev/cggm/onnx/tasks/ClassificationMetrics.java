package dev.cggm.onnx.tasks;

import java.util.TreeSet;

/**
 * Accuracy and F1 as scikit-learn computes them: per-class F1 = 2PR/(P+R) (0 when undefined);
 * macro = unweighted mean over the classes present in the labels or the predictions; weighted =
 * mean weighted by each class's support in the labels.
 */
public record ClassificationMetrics(double accuracy, double macroF1, double weightedF1, int count) implements TaskMetrics {
    @Override
    public java.util.Map<String, Double> values() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("acc", accuracy);
        m.put("f1_macro", macroF1);
        m.put("f1_weighted", weightedF1);
        return m;
    }

    /** Accuracy. */
    @Override
    public double score() {
        return accuracy;
    }

    public static ClassificationMetrics of(int[] predicted, long[] labels) {
        int n = labels.length;
        if (n == 0) {
            return new ClassificationMetrics(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        TreeSet<Long> classes = new TreeSet<>();
        int correct = 0;
        for (int i = 0; i < n; i++) {
            classes.add(labels[i]);
            classes.add((long) predicted[i]);
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        double macro = 0;
        double weighted = 0;
        for (long c : classes) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (int i = 0; i < n; i++) {
                boolean p = predicted[i] == c;
                boolean t = labels[i] == c;
                tp += p && t ? 1 : 0;
                fp += p && !t ? 1 : 0;
                fn += !p && t ? 1 : 0;
            }
            double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
            macro += f1;
            weighted += f1 * (tp + fn);
        }
        return new ClassificationMetrics(correct / (double) n, macro / classes.size(), weighted / n, n);
    }
}
