package dev.cggm.train.method.igm;

import dev.cggm.onnx.tasks.Targets;
import org.hipparchus.random.RandomDataGenerator;
import org.hipparchus.random.Well19937c;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Mixup (Zhang et al., 2018) as IGM applies it to the trained modality's input: x̃ = λ·x +
 * (1 − λ)·x[π], with λ ~ Beta(a, a) and π a random permutation of the batch; the loss is
 * λ·CE(z, y) + (1 − λ)·CE(z, y[π]). With a ≤ 0 there is no mixup (λ = 1, as the official
 * {@code mixup_data}).
 *
 * @param lambda      the mixing weight of the sample itself
 * @param permutation row i is mixed with row {@code permutation[i]}
 */
public record Mixup(double lambda, int[] permutation) {
    /** A draw for a batch of {@code batch} rows from {@code rng} (the step's deterministic source). */
    public static Mixup draw(SplittableRandom rng, int batch, double alpha) {
        double lambda = alpha > 0 ? RandomDataGenerator.of(new Well19937c(rng.nextLong())).nextBeta(alpha, alpha) : 1.0;
        int[] perm = new int[batch];
        for (int i = 0; i < batch; i++) {
            perm[i] = i;
        }
        for (int i = batch - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return new Mixup(lambda, perm);
    }

    /** Mixes {@code features} ({@code rows} × {@code perSample} floats, row-major) in place. */
    public void mix(FloatBuffer features, int rows, int perSample) {
        float[] x = new float[rows * perSample];
        features.get(0, x);
        float a = (float) lambda;
        float b = (float) (1 - lambda);
        float[] out = new float[x.length];
        for (int i = 0; i < rows; i++) {
            int self = i * perSample;
            int other = permutation[i] * perSample;
            for (int k = 0; k < perSample; k++) {
                out[self + k] = a * x[self + k] + b * x[other + k];
            }
        }
        features.put(0, out);
    }

    /** The second labels y[π] (class indices). */
    public long[] secondLabels(Targets targets) {
        long[] y = new long[permutation.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = targets.label(permutation[i]);
        }
        return y;
    }
}
