package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.train.config.Augmentation;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.method.StepContext;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CGGM code's BraTS training augmentation on an assembled batch of square image modalities
 * [batch, S, S] and label maps [batch, S, S], drawn per sample from a random source that is a pure
 * function of (seed, step) — so a resumed run augments exactly as an uninterrupted one, and each
 * epoch sees new draws without storing views. Per sample, in this order:
 * <ol>
 *   <li>k ∈ {0, 1, 2} uniform: the images and the label map rotated by k quarter turns
 *       counter-clockwise (numpy's {@code rot90});</li>
 *   <li>an axis uniform among the two: all of them flipped along it;</li>
 *   <li>with probability 0.1: σ ~ U(0, 0.1) and N(0, σ²) noise added to every value of every
 *       modality (not the labels), as {@code GaussianNoise(p=0.1)} on the stacked image.</li>
 * </ol>
 */
public final class SliceAugmenter implements BatchFeeder.Transform {
    static final double NOISE_PROBABILITY = 0.1;
    static final double NOISE_MAX_STD = 0.1;
    private final List<ModalityShape> modalities;
    private final int side;
    private final SplittableRandom rng;

    /** Draws from {@code rng}; {@link #problem} must have accepted the modalities. */
    public SliceAugmenter(List<ModalityShape> modalities, SplittableRandom rng) {
        this.modalities = List.copyOf(modalities);
        this.side = modalities.get(0).seqLen();
        this.rng = rng;
    }

    /** Salt of the augmentation's random source, so its draws are independent of a method's at the same step. */
    private static final long SALT = 0x6A09E667F3BCC909L;

    /** The transform of training step {@code step} (null for {@link Augmentation#NONE}), drawn from (seed, step). */
    public static BatchFeeder.Transform forStep(Augmentation augmentation, List<ModalityShape> modalities, long seed,
                                                long step) {
        return augmentation == Augmentation.NONE ? null
                : new SliceAugmenter(modalities, StepContext.randomOf(seed ^ SALT, step, 0, 0));
    }

    /** Refuses an augmentation the data cannot take, naming the option. */
    public static void check(Augmentation augmentation, FeatureData data) {
        if (augmentation == Augmentation.BRATS) {
            String problem = problem(data.modalities(), data.train().targets().perSampleShape());
            if (problem != null) {
                throw new InvalidOption("data.augmentation", "'brats' " + problem);
            }
        }
    }

    /** Why this augmentation cannot apply to the data (null if it can): square images and label maps of one size. */
    public static String problem(List<ModalityShape> modalities, long[] targetShape) {
        int s = modalities.get(0).seqLen();
        for (ModalityShape m : modalities) {
            if (m.seqLen() != m.dim() || m.seqLen() != s) {
                return "needs square images of one size; modality '" + m.name() + "' is [" + m.seqLen() + ", " + m.dim()
                        + "]";
            }
        }
        if (targetShape.length != 2 || targetShape[0] != s || targetShape[1] != s) {
            return "needs label maps [" + s + ", " + s + "] like the images; the targets are " + java.util.Arrays.toString(targetShape);
        }
        return null;
    }

    @Override
    public Targets apply(Map<String, FloatBuffer> features, Targets targets) {
        int n = targets.rows();
        int px = side * side;
        float[] image = new float[px];
        float[] moved = new float[px];
        byte[] labels = new byte[n * px];
        int[] from = new int[px];
        for (int b = 0; b < n; b++) {
            int k = rng.nextInt(3);
            boolean flipRows = rng.nextInt(2) == 0;
            boolean noise = rng.nextDouble() < NOISE_PROBABILITY;
            double std = noise ? rng.nextDouble() * NOISE_MAX_STD : 0;
            sources(k, flipRows, from);
            for (ModalityShape m : modalities) {
                FloatBuffer f = features.get(m.name());
                f.get(b * px, image);
                for (int i = 0; i < px; i++) {
                    moved[i] = image[from[i]];
                }
                if (noise) {
                    for (int i = 0; i < px; i++) {
                        moved[i] += (float) (rng.nextGaussian() * std);
                    }
                }
                f.put(b * px, moved);
            }
            for (int i = 0; i < px; i++) {
                labels[b * px + i] = (byte) targets.longAt(b * px + from[i]);
            }
        }
        return Targets.labelMaps(labels, side, side);
    }

    /** For each output pixel, its source pixel: rot90 k times, then the flip. */
    private void sources(int k, boolean flipRows, int[] from) {
        int s = side;
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                int a = flipRows ? s - 1 - i : i;          // the flip reads the rotated image at (a, c)
                int c = flipRows ? j : s - 1 - j;
                int si;
                int sj;
                switch (k) {
                    case 0 -> { si = a; sj = c; }
                    case 1 -> { si = c; sj = s - 1 - a; }  // rot90(m)[a][c] = m[c][s-1-a]
                    default -> { si = s - 1 - a; sj = s - 1 - c; }
                }
                from[i * s + j] = si * s + sj;
            }
        }
    }
}
