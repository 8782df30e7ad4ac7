package dev.cggm.train.method.igm;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IGM's P = V·diag(exp(−τ·(σ − σ_min)/(σ_max − σ_min)))·Vᵀ and g·P, against hand-computed values. */
class GradientProjectionTest {
    static final double TAU = 0.4;

    @Test
    void twoByTwo() {
        // C = [[2, 1], [1, 2]]: σ = 3 along (1, 1)/√2, σ = 1 along (1, −1)/√2. Damping e^−τ on the first, 1 on
        // the second: P = e^−τ·½[[1, 1], [1, 1]] + ½[[1, −1], [−1, 1]].
        float[] p = GradientProjection.matrix(new double[] {2, 1, 1, 2}, 2, TAU);
        double e = Math.exp(-TAU);
        assertArrayEquals(new float[] {(float) ((e + 1) / 2), (float) ((e - 1) / 2), (float) ((e - 1) / 2),
                (float) ((e + 1) / 2)}, p, 1e-7f);
    }

    @Test
    void covarianceOfBatchMeansWithARankDeficientDirection() {
        // batch means (1, 0, 0) and (0, 2, 0): C = diag(1, 4, 0); σ_max 4, σ_min 0 →
        // P = diag(e^−τ/4, e^−τ, 1) (the unseen third direction is left alone)
        GradientProjection.Covariance c = new GradientProjection.Covariance(3);
        c.add(new float[] {1, 0, 0});
        c.add(new float[] {0, 2, 0});
        assertEquals(2, c.batches());
        assertArrayEquals(new double[] {1, 0, 0, 0, 4, 0, 0, 0, 0}, c.matrix());
        float[] p = GradientProjection.matrix(c.matrix(), 3, TAU);
        assertArrayEquals(new float[] {(float) Math.exp(-TAU / 4), 0, 0, 0, (float) Math.exp(-TAU), 0, 0, 0, 1}, p, 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> c.add(new float[] {1, 2}));
    }

    @Test
    void aRotatedBasis() {
        // one batch mean x = (3, 4): C = xᵀx has σ = 25 along x/5 and 0 orthogonal to it; P = e^−τ·uuᵀ + (I − uuᵀ)
        GradientProjection.Covariance c = new GradientProjection.Covariance(2);
        c.add(new float[] {3, 4});
        float[] p = GradientProjection.matrix(c.matrix(), 2, TAU);
        double e = Math.exp(-TAU);
        double[][] uu = {{9 / 25.0, 12 / 25.0}, {12 / 25.0, 16 / 25.0}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                double want = e * uu[i][j] + ((i == j ? 1 : 0) - uu[i][j]);
                assertEquals(want, p[i * 2 + j], 1e-6, "P[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void equalSingularValuesGiveTheIdentityInsteadOfDividingByZero() {
        assertArrayEquals(new float[] {1, 0, 0, 1}, GradientProjection.matrix(new double[] {5, 0, 0, 5}, 2, TAU));
        assertArrayEquals(new float[] {1, 0, 0, 1}, GradientProjection.matrix(new double[4], 2, TAU));
    }

    @Test
    void tauZeroIsTheIdentity() {
        float[] p = GradientProjection.matrix(new double[] {2, 1, 1, 2}, 2, 0);
        assertArrayEquals(new float[] {1, 0, 0, 1}, p, 1e-7f);
    }

    @Test
    void gradientTimesP() {
        // g [2, 3] · P [3, 3] by hand
        FloatBuffer g = FloatBuffer.wrap(new float[] {1, 2, 3, -1, 0, 2});
        float[] p = {1, 0, 2, 0, 1, 0, 1, 1, 0};
        GradientProjection.rightMultiply(g, 2, 3, p);
        // row 1: (1·1 + 3·1, 2·1 + 3·1, 1·2) = (4, 5, 2); row 2: (−1 + 2, 2, −2) = (1, 2, −2)
        assertArrayEquals(new float[] {4, 5, 2, 1, 2, -2}, g.array());
        assertThrows(IllegalArgumentException.class, () -> GradientProjection.rightMultiply(g, 2, 3, new float[4]));
    }
}
