package dev.cggm.onnx.runtime;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MaskSamplerTest {
    private static ByteBuffer draw(MaskSampler s, int n, double rate, long step, int site) {
        ByteBuffer buf = ByteBuffer.allocateDirect(n);
        s.fill(buf, n, rate, step, site);
        return buf;
    }

    @Test
    void keepFractionMatchesRate() {
        int n = 1_000_003; // not a multiple of the chunk or of 8
        for (double rate : new double[] {0.1, 0.15, 0.5}) {
            ByteBuffer m = draw(new MaskSampler(3), n, rate, 0, 0);
            long kept = 0;
            for (int i = 0; i < n; i++) {
                int v = m.get(i);
                if (v != 0 && v != 1) {
                    throw new AssertionError("mask byte " + v + " at " + i);
                }
                kept += v;
            }
            double sd = Math.sqrt(n * rate * (1 - rate));
            assertEquals(n * (1 - rate), kept, 6 * sd, "rate " + rate);
        }
    }

    @Test
    void sameCoordinatesGiveSameMaskWhateverTheThreads() throws Exception {
        ByteBuffer a = draw(new MaskSampler(9), 300_000, 0.2, 17, 4);
        ByteBuffer b = new ForkJoinPool(1).submit(() -> draw(new MaskSampler(9), 300_000, 0.2, 17, 4)).get();
        assertEquals(a, b);
    }

    @Test
    void stepSiteAndSeedEachChangeTheMask() {
        ByteBuffer base = draw(new MaskSampler(9), 10_000, 0.2, 17, 4);
        assertNotEquals(base, draw(new MaskSampler(9), 10_000, 0.2, 18, 4));
        assertNotEquals(base, draw(new MaskSampler(9), 10_000, 0.2, 17, 5));
        assertNotEquals(base, draw(new MaskSampler(10), 10_000, 0.2, 17, 4));
    }

    @Test
    void rejectsBadRateAndShortBuffer() {
        MaskSampler s = new MaskSampler(1);
        assertThrows(IllegalArgumentException.class, () -> s.fill(ByteBuffer.allocate(8), 8, 1.0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> s.fill(ByteBuffer.allocate(4), 8, 0.1, 0, 0));
    }
}
