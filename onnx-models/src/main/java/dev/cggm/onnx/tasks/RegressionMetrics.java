package dev.cggm.onnx.tasks;

/**
 * The sentiment-regression metrics of the reference (CMU-MOSI): mean absolute error, Pearson
 * correlation, Acc-7 (rounded predictions and targets clipped to [-3, 3] agree; numpy's
 * half-to-even rounding), Acc-2 (signs agree, positive = &gt; 0) and the support-weighted F1 of
 * that binary decision. All samples count (the reference's {@code exclude_zero = False}).
 */
public record RegressionMetrics(double mae, double correlation, double acc2, double acc7, double f1, int count)
        implements TaskMetrics {
    @Override
    public java.util.Map<String, Double> values() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("mae", mae);
        m.put("corr", correlation);
        m.put("acc2", acc2);
        m.put("acc7", acc7);
        m.put("f1", f1);
        return m;
    }

    /** −MAE: higher is better. */
    @Override
    public double score() {
        return -mae;
    }

    public static RegressionMetrics of(float[] predicted, float[] targets) {
        int n = targets.length;
        if (n == 0) {
            return new RegressionMetrics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mae = 0;
        double mp = 0;
        double mt = 0;
        int a7 = 0;
        long[] truthBinary = new long[n];
        int[] predBinary = new int[n];
        int a2 = 0;
        for (int i = 0; i < n; i++) {
            mae += Math.abs(predicted[i] - targets[i]);
            mp += predicted[i];
            mt += targets[i];
            a7 += Math.rint(clip3(predicted[i])) == Math.rint(clip3(targets[i])) ? 1 : 0;
            truthBinary[i] = targets[i] > 0 ? 1 : 0;
            predBinary[i] = predicted[i] > 0 ? 1 : 0;
            a2 += truthBinary[i] == predBinary[i] ? 1 : 0;
        }
        mp /= n;
        mt /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = predicted[i] - mp;
            double dy = targets[i] - mt;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        double corr = sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
        double f1 = ClassificationMetrics.of(predBinary, truthBinary).weightedF1();
        return new RegressionMetrics(mae / n, corr, a2 / (double) n, a7 / (double) n, f1, n);
    }

    private static double clip3(double v) {
        return Math.max(-3, Math.min(3, v));
    }
}
