package dev.cggm.onnx.tasks;

import dev.cggm.onnx.graph.DType;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * The targets of a set of samples as one tensor {@code [rows, ...perSample]}: class indices
 * (int64, per sample {@code []}), regression values (float32, per sample {@code [1]}) or label
 * maps (int64, per sample {@code [H, W]}, held as bytes to keep large mask sets small). What the
 * values mean is the {@link Task}'s business; this class only stores, selects and copies them.
 */
public final class Targets {
    private final DType dtype;
    private final long[] perSample;
    private final int valuesPerSample;
    private final int rows;
    private final long[] longs;
    private final byte[] bytes;
    private final float[] floats;

    private Targets(DType dtype, long[] perSample, int rows, long[] longs, byte[] bytes, float[] floats) {
        this.dtype = dtype;
        this.perSample = perSample.clone();
        long n = 1;
        for (long d : perSample) {
            if (d <= 0) {
                throw new IllegalArgumentException("target dimensions must be positive, got " + Arrays.toString(perSample));
            }
            n *= d;
        }
        this.valuesPerSample = Math.toIntExact(n);
        this.rows = rows;
        this.longs = longs;
        this.bytes = bytes;
        this.floats = floats;
        int have = longs != null ? longs.length : bytes != null ? bytes.length : floats.length;
        if ((long) rows * valuesPerSample != have) {
            throw new IllegalArgumentException("targets of " + rows + " samples of shape " + Arrays.toString(perSample)
                    + " need " + (long) rows * valuesPerSample + " values, got " + have);
        }
    }

    /** One class index per sample. */
    public static Targets classes(long[] labels) {
        return new Targets(DType.INT64, new long[0], labels.length, labels, null, null);
    }

    /** One real value per sample (per-sample shape {@code [1]}). */
    public static Targets values(float[] values) {
        return new Targets(DType.FLOAT, new long[] {1}, values.length, null, null, values);
    }

    /** A label map {@code [height, width]} per sample, row-major, labels 0..127. */
    public static Targets labelMaps(byte[] labels, int height, int width) {
        return new Targets(DType.INT64, new long[] {height, width}, labels.length / Math.max(1, height * width), null,
                labels, null);
    }

    /** int64 {@code long[]} or {@code byte[]} targets, or float32 {@code float[]} ones, of a given per-sample shape. */
    public static Targets of(Object values, long[] perSample) {
        long per = 1;
        for (long d : perSample) {
            per *= d;
        }
        int n = java.lang.reflect.Array.getLength(values);
        int rows = per == 0 ? 0 : (int) (n / per);
        if (values instanceof long[] l) {
            return new Targets(DType.INT64, perSample, rows, l, null, null);
        }
        if (values instanceof byte[] b) {
            return new Targets(DType.INT64, perSample, rows, null, b, null);
        }
        if (values instanceof float[] f) {
            return new Targets(DType.FLOAT, perSample, rows, null, null, f);
        }
        throw new IllegalArgumentException("targets must be long[], byte[] or float[], got " + values.getClass().getSimpleName());
    }

    /** int64 (class indices, label maps) or float32 (values). */
    public DType dtype() {
        return dtype;
    }

    /** The shape of one sample's target: {@code []}, {@code [1]} or {@code [H, W]}. */
    public long[] perSampleShape() {
        return perSample.clone();
    }

    public int valuesPerSample() {
        return valuesPerSample;
    }

    public int rows() {
        return rows;
    }

    /** The {@code i}-th value of the flattened tensor, as a long (int64 targets). */
    public long longAt(int i) {
        if (longs != null) {
            return longs[i];
        }
        if (bytes != null) {
            return bytes[i];
        }
        throw new IllegalStateException("targets are float32 values, not integers");
    }

    /** The {@code i}-th value of the flattened tensor, as a float (either type). */
    public float floatAt(int i) {
        return floats != null ? floats[i] : longAt(i);
    }

    /** The class index of a sample (one int64 per sample). */
    public long label(int row) {
        return longAt(row * valuesPerSample);
    }

    /** The value of a sample (one float per sample). */
    public float value(int row) {
        return floatAt(row * valuesPerSample);
    }

    /** The targets of some rows, in that order. */
    public Targets select(int[] rowIndices) {
        int per = valuesPerSample;
        int n = rowIndices.length * per;
        if (longs != null) {
            long[] out = new long[n];
            for (int i = 0; i < rowIndices.length; i++) {
                System.arraycopy(longs, rowIndices[i] * per, out, i * per, per);
            }
            return new Targets(dtype, perSample, rowIndices.length, out, null, null);
        }
        if (bytes != null) {
            byte[] out = new byte[n];
            for (int i = 0; i < rowIndices.length; i++) {
                System.arraycopy(bytes, rowIndices[i] * per, out, i * per, per);
            }
            return new Targets(dtype, perSample, rowIndices.length, null, out, null);
        }
        float[] out = new float[n];
        for (int i = 0; i < rowIndices.length; i++) {
            System.arraycopy(floats, rowIndices[i] * per, out, i * per, per);
        }
        return new Targets(dtype, perSample, rowIndices.length, null, null, out);
    }

    /** Copies every value into {@code dst} from its position 0 (int64 targets). */
    public void copyTo(LongBuffer dst) {
        for (int i = 0; i < rows * valuesPerSample; i++) {
            dst.put(i, longAt(i));
        }
    }

    /** Copies every value into {@code dst} from its position 0 (float32 targets). */
    public void copyTo(FloatBuffer dst) {
        if (floats == null) {
            throw new IllegalStateException("targets are integers, not float32 values");
        }
        dst.put(0, floats, 0, rows * valuesPerSample);
    }

    /** The shape of the batch tensor: {@code [rows, ...perSample]}. */
    public long[] tensorShape() {
        long[] s = new long[perSample.length + 1];
        s[0] = rows;
        System.arraycopy(perSample, 0, s, 1, perSample.length);
        return s;
    }
}
