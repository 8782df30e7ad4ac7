package dev.cggm.train.method.igm;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.RealMatrix;

import java.nio.FloatBuffer;

/**
 * IGM's gradient modification matrix of one linear layer: from the covariance C = Σ_batches x̄ᵀx̄
 * of the layer's batch-mean input x̄ (over a pass of the training set), its singular value
 * decomposition C = V·diag(σ)·Vᵀ (C is symmetric positive semi-definite, so this is its
 * eigendecomposition with σ = |eigenvalue|), and
 * <pre>  P = V · diag(exp(−τ · (σ − σ_min) / (σ_max − σ_min))) · Vᵀ</pre>
 * — a soft damping of the dominant input directions of the modality trained before (×e^−τ on the
 * top one, ×1 on the weakest), not a hard null-space projection. A gradient g [out, in] of a
 * layer of the same shape in the next stage becomes g·P.
 */
public final class GradientProjection {
    private GradientProjection() {
    }

    /** Σ x̄ᵀx̄ over batches, accumulated in double. */
    public static final class Covariance {
        private final int n;
        private final double[] sum;
        private int batches;

        public Covariance(int n) {
            this.n = n;
            this.sum = new double[n * n];
        }

        /** Adds x̄ᵀx̄ for one batch-mean input x̄ of {@code n} values. */
        public void add(float[] mean) {
            if (mean.length != n) {
                throw new IllegalArgumentException("a batch mean of " + mean.length + " values for a layer of " + n + " inputs");
            }
            for (int i = 0; i < n; i++) {
                double xi = mean[i];
                for (int j = 0; j < n; j++) {
                    sum[i * n + j] += xi * mean[j];
                }
            }
            batches++;
        }

        public int size() {
            return n;
        }

        public int batches() {
            return batches;
        }

        /** The accumulated matrix, row-major n × n. */
        public double[] matrix() {
            return sum.clone();
        }
    }

    /**
     * P of a covariance (row-major n × n, symmetric), as float row-major n × n. When all
     * singular values are equal (σ_max = σ_min: nothing to tell directions apart — the official
     * formula divides by zero there), P is the identity.
     */
    public static float[] matrix(double[] covariance, int n, double tau) {
        double[][] rows = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                // symmetrise exactly: the accumulated sum is symmetric up to nothing, but be safe
                rows[i][j] = 0.5 * (covariance[i * n + j] + covariance[j * n + i]);
            }
        }
        EigenDecompositionSymmetric eig = new EigenDecompositionSymmetric(new Array2DRowRealMatrix(rows, false));
        double[] ev = eig.getEigenvalues();
        double[] sigma = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            sigma[k] = Math.abs(ev[k]);
            max = Math.max(max, sigma[k]);
            min = Math.min(min, sigma[k]);
        }
        float[] p = new float[n * n];
        if (!(max - min > 0)) {
            for (int i = 0; i < n; i++) {
                p[i * n + i] = 1f;
            }
            return p;
        }
        RealMatrix v = eig.getV();
        double[] damping = new double[n];
        for (int k = 0; k < n; k++) {
            damping[k] = Math.exp(-tau * (sigma[k] - min) / (max - min));
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += v.getEntry(i, k) * damping[k] * v.getEntry(j, k);
                }
                p[i * n + j] = (float) s;
            }
        }
        return p;
    }

    /** g ← g·P in place, for g [rows, n] and P [n, n] (row-major), accumulated in double. */
    public static void rightMultiply(FloatBuffer g, int rows, int n, float[] p) {
        if (p.length != n * n) {
            throw new IllegalArgumentException("a " + n + "-column gradient and a projection of " + p.length + " values");
        }
        float[] row = new float[n];
        double[] acc = new double[n];
        float[] out = new float[n];
        for (int r = 0; r < rows; r++) {
            g.get(r * n, row);
            java.util.Arrays.fill(acc, 0);
            for (int k = 0; k < n; k++) { // row-major walk of P: contiguous inner loop
                double a = row[k];
                int base = k * n;
                for (int j = 0; j < n; j++) {
                    acc[j] += a * p[base + j];
                }
            }
            for (int j = 0; j < n; j++) {
                out[j] = (float) acc[j];
            }
            g.put(r * n, out);
        }
    }
}
