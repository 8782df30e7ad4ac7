package dev.cggm.train.method.igm;

import dev.cggm.onnx.tasks.Targets;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mixup of the trained modality's input: the mix, the second labels and the draws. */
class MixupTest {
    @Test
    void mixesRowsWithTheirPartners() {
        // 3 rows of 2 values; λ = 0.25, row i mixed with row π(i) = (2, 0, 1)
        Mixup mix = new Mixup(0.25, new int[] {2, 0, 1});
        FloatBuffer x = FloatBuffer.wrap(new float[] {1, 2, 10, 20, 100, 200});
        mix.mix(x, 3, 2);
        // row 0: 0.25·(1, 2) + 0.75·(100, 200); row 1: 0.25·(10, 20) + 0.75·(1, 2); row 2: 0.25·(100, 200) + 0.75·(10, 20)
        assertArrayEquals(new float[] {75.25f, 150.5f, 3.25f, 6.5f, 32.5f, 65f}, x.array(), 1e-5f);
        assertArrayEquals(new long[] {7, 5, 6}, mix.secondLabels(Targets.classes(new long[] {5, 6, 7})));
    }

    @Test
    void drawsAreAPureFunctionOfTheRandomSource() {
        Mixup a = Mixup.draw(new SplittableRandom(42), 16, 1.0);
        Mixup b = Mixup.draw(new SplittableRandom(42), 16, 1.0);
        assertEquals(a.lambda(), b.lambda());
        assertArrayEquals(a.permutation(), b.permutation());
        int[] sorted = a.permutation().clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i], "a permutation of the batch");
        }
        assertNotEquals(a.lambda(), Mixup.draw(new SplittableRandom(43), 16, 1.0).lambda());
    }

    @Test
    void betaOneOneIsUniformAndBetaPointNineHasItsVariance() {
        for (double alpha : new double[] {1.0, 0.9}) {
            int n = 4000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double l = Mixup.draw(new SplittableRandom(i), 4, alpha).lambda();
                assertTrue(l > 0 && l < 1, "λ in (0, 1), got " + l);
                sum += l;
                sq += l * l;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            // Beta(a, a): mean 1/2, variance 1/(4(2a + 1)); standard errors here ~0.005 and ~0.0012
            assertEquals(0.5, mean, 0.02, "mean of Beta(" + alpha + ")");
            assertEquals(1 / (4 * (2 * alpha + 1)), var, 0.004, "variance of Beta(" + alpha + ")");
        }
    }

    @Test
    void alphaZeroMeansNoMixup() {
        Mixup m = Mixup.draw(new SplittableRandom(1), 3, 0);
        assertEquals(1.0, m.lambda());
        FloatBuffer x = FloatBuffer.wrap(new float[] {1, 2, 3});
        m.mix(x, 3, 1);
        assertArrayEquals(new float[] {1, 2, 3}, x.array());
    }
}
