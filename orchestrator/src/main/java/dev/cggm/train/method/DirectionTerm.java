package dev.cggm.train.method;

import java.nio.FloatBuffer;

/**
 * CGGM's direction term L_gm = (Σ|c_m| − Σ c_m·cos(a_m, b)) / M over flattened tensors, and its
 * gradient with respect to b:
 * ∂L/∂b = −(1/M) Σ c_m·(a_m/(‖a_m‖‖b‖) − cos_m·b/‖b‖²). Cosines follow PyTorch's
 * {@code cosine_similarity} (norm product clamped at 1e-8).
 */
public final class DirectionTerm {
    private static final double EPS = 1e-8;

    private DirectionTerm() {
    }

    public static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(Math.max(aa * bb, EPS * EPS));
    }

    /** L_gm for coefficients {@code c} and cosines {@code cos}. */
    public static double value(double[] c, double[] cos) {
        double s = 0;
        for (int m = 0; m < c.length; m++) {
            s += Math.abs(c[m]) - c[m] * cos[m];
        }
        return s / c.length;
    }

    /** Adds {@code lambda · ∂L_gm/∂b} to the first {@code b.length} values of {@code target}. */
    public static void addGradient(FloatBuffer target, double lambda, double[] c, float[][] a, float[] b) {
        int m = c.length;
        double bb = 0;
        for (float x : b) {
            bb += (double) x * x;
        }
        if (bb == 0) {
            throw new IllegalStateException("fusion out-layer tensor is all zeros; the direction term is undefined");
        }
        double[] aScale = new double[m];   // c_m / (‖a_m‖‖b‖)
        double bScale = 0;                 // Σ c_m·cos_m / ‖b‖²
        for (int k = 0; k < m; k++) {
            double aa = 0;
            for (float x : a[k]) {
                aa += (double) x * x;
            }
            double norms = Math.sqrt(Math.max(aa * bb, EPS * EPS));
            aScale[k] = c[k] / norms;
            bScale += c[k] * cosine(a[k], b) / Math.max(bb, EPS);
        }
        double factor = -lambda / m;
        for (int i = 0; i < b.length; i++) {
            double d = -bScale * b[i];
            for (int k = 0; k < m; k++) {
                d += aScale[k] * a[k][i];
            }
            target.put(i, (float) (target.get(i) + factor * d));
        }
    }
}
