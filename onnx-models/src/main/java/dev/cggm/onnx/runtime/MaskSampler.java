package dev.cggm.onnx.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Draws dropout keep-masks (1 = keep, 0 = drop) as bytes, the layout of ONNX bool tensors.
 * Counter-based: the mask of (seed, step, site) is a pure function of those three numbers, so a
 * run resumed at step t draws exactly the masks an uninterrupted run would have, whatever the
 * number of threads. Each 64-bit draw yields four 16-bit uniforms, so the drop probability is
 * rate rounded to a multiple of 1/65536.
 */
public final class MaskSampler {
    /** Elements per independently seeded chunk (the unit of parallel work). */
    static final int CHUNK = 1 << 16;

    private final long seed;

    public MaskSampler(long seed) {
        this.seed = seed;
    }

    /** Fills {@code out[0, n)} with the mask of {@code site} at {@code step}. */
    public void fill(ByteBuffer out, int n, double rate, long step, int site) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        if (out.capacity() < n) {
            throw new IllegalArgumentException("mask buffer holds " + out.capacity() + " bytes, needs " + n);
        }
        int threshold = (int) Math.round(rate * 65536);
        ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int chunks = (n + CHUNK - 1) / CHUNK;
        IntStream range = IntStream.range(0, chunks);
        (chunks > 4 ? range.parallel() : range).forEach(c -> {
            int start = c * CHUNK;
            int end = Math.min(n, start + CHUNK);
            SplittableRandom rng = new SplittableRandom(mix(seed, step, site, c));
            int i = start;
            for (; i + 8 <= end; i += 8) {
                le.putLong(i, keepBytes(rng.nextLong(), threshold) | keepBytes(rng.nextLong(), threshold) << 32);
            }
            if (i < end) {
                long word = keepBytes(rng.nextLong(), threshold) | keepBytes(rng.nextLong(), threshold) << 32;
                for (; i < end; i++, word >>>= 8) {
                    le.put(i, (byte) (word & 1));
                }
            }
        });
    }

    /** Four keep-bytes (0 or 1, little-endian in the low 32 bits) from the four 16-bit lanes of {@code r}. */
    private static long keepBytes(long r, int threshold) {
        long word = 0;
        for (int k = 0; k < 4; k++) {
            int u = (int) (r >>> (16 * k)) & 0xffff;
            word |= (long) (((u - threshold) >>> 31) ^ 1) << (8 * k); // 1 when u >= threshold, branch-free
        }
        return word;
    }

    /** A new mask as a host tensor (tests and small models). */
    public HostTensor sample(long[] shape, double rate, long step, int site) {
        int n = (int) HostTensor.count(shape);
        ByteBuffer buf = ByteBuffer.allocate(n);
        fill(buf, n, rate, step, site);
        boolean[] keep = new boolean[n];
        for (int i = 0; i < n; i++) {
            keep[i] = buf.get(i) != 0;
        }
        return HostTensor.of(keep, shape);
    }

    /** SplitMix64-style mixing of the four coordinates into one seed. */
    static long mix(long seed, long step, int site, int chunk) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h = splitmix(h ^ step);
        h = splitmix(h ^ ((long) site << 32 | (chunk & 0xffffffffL)));
        return h;
    }

    private static long splitmix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
