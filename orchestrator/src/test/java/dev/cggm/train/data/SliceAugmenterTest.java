package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Targets;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The BraTS augmentation on a 3×3 sample whose draws are known: numpy's rot90 and flip, labels moved alike, noise. */
class SliceAugmenterTest {
    static final List<ModalityShape> MODS = List.of(new ModalityShape("flair", 3, 3), new ModalityShape("t2", 3, 3));
    static final float[] IMAGE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    /** The draws a seed gives for one sample, in the augmenter's order. */
    record Draw(int k, boolean flipRows, boolean noise) {
        static Draw of(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            return new Draw(r.nextInt(3), r.nextInt(2) == 0, r.nextDouble() < SliceAugmenter.NOISE_PROBABILITY);
        }
    }

    static long seedFor(int k, boolean flipRows, boolean noise) {
        for (long s = 0; ; s++) {
            if (Draw.of(s).equals(new Draw(k, flipRows, noise))) {
                return s;
            }
        }
    }

    static float[][] augment(long seed) {
        Map<String, FloatBuffer> f = new LinkedHashMap<>();
        f.put("flair", FloatBuffer.wrap(IMAGE.clone()));
        f.put("t2", FloatBuffer.wrap(IMAGE.clone()));
        byte[] labels = {0, 1, 2, 3, 0, 1, 2, 3, 0};
        Targets t = new SliceAugmenter(MODS, new SplittableRandom(seed)).apply(f, Targets.labelMaps(labels, 3, 3));
        float[] l = new float[9];
        for (int i = 0; i < 9; i++) {
            l[i] = t.longAt(i);
        }
        return new float[][] {f.get("flair").array(), f.get("t2").array(), l};
    }

    @Test
    void rotationsAndFlipsAreNumpys() {
        // np.rot90([[1,2,3],[4,5,6],[7,8,9]], k) then np.flip along rows (axis 0) or columns (axis 1)
        assertArrayEquals(new float[] {7, 8, 9, 4, 5, 6, 1, 2, 3}, augment(seedFor(0, true, false))[0]);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, augment(seedFor(0, false, false))[0]);
        // rot90 k=1: [[3,6,9],[2,5,8],[1,4,7]]; flipped along rows: [[1,4,7],[2,5,8],[3,6,9]]
        assertArrayEquals(new float[] {1, 4, 7, 2, 5, 8, 3, 6, 9}, augment(seedFor(1, true, false))[0]);
        // rot90 k=2: [[9,8,7],[6,5,4],[3,2,1]]; flipped along columns: [[7,8,9],[4,5,6],[1,2,3]]
        float[][] k2 = augment(seedFor(2, false, false));
        assertArrayEquals(new float[] {7, 8, 9, 4, 5, 6, 1, 2, 3}, k2[0]);
        assertArrayEquals(k2[0], k2[1], "every modality moves alike");
        // the labels moved with the pixels: image value v sat where label (v-1) % 4 was
        for (int i = 0; i < 9; i++) {
            assertEquals((k2[0][i] - 1) % 4, k2[2][i]);
        }
    }

    @Test
    void noiseIsAddedToTheImagesOnlyAndIsSmall() {
        float[][] noisy = augment(seedFor(0, true, true));
        float[] clean = {7, 8, 9, 4, 5, 6, 1, 2, 3};
        boolean changed = false;
        for (int i = 0; i < 9; i++) {
            assertTrue(Math.abs(noisy[0][i] - clean[i]) < 0.5, "sigma <= 0.1");
            changed |= noisy[0][i] != clean[i];
            assertEquals((clean[i] - 1) % 4, noisy[2][i], "labels carry no noise");
        }
        assertTrue(changed);
        // about one sample in ten is noisy
        int n = 0;
        for (long s = 0; s < 10_000; s++) {
            n += Draw.of(s).noise() ? 1 : 0;
        }
        assertTrue(n > 900 && n < 1100, n + " of 10000");
    }

    @Test
    void onlySquareImagesWithMatchingLabelMapsQualify() {
        assertNull(SliceAugmenter.problem(MODS, new long[] {3, 3}));
        assertNotNull(SliceAugmenter.problem(List.of(new ModalityShape("text", 50, 384)), new long[] {50, 384}));
        assertNotNull(SliceAugmenter.problem(MODS, new long[0]));
    }
}
