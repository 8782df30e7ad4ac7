package dev.cggm.onnx.models.layers;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;

/**
 * fairseq's sinusoidal position embedding as the reference encoder uses it: positions count from
 * 1, and a position whose first feature is exactly 0 counts as padding and gets the zero row.
 * Row i of the table is [sin(i·f_0), …, sin(i·f_{h−1}), cos(i·f_0), …] with
 * f_j = exp(−j·ln(10000)/(h−1)), h = d/2 (a zero column is appended for odd d).
 */
public final class SinusoidalPositions {
    /** Table rows made when the sequence length is symbolic. */
    public static final int MAX_POSITIONS = 1024;

    private SinusoidalPositions() {
    }

    /** The table [rows, d] in float32 arithmetic, as the reference computes it; row 0 is zero. */
    public static float[] table(int rows, int d) {
        int half = d / 2;
        float step = (float) (Math.log(10000) / (half - 1));
        float[] freq = new float[half];
        for (int j = 0; j < half; j++) {
            freq[j] = (float) Math.exp((float) (j * -step));
        }
        float[] t = new float[rows * d];
        for (int i = 1; i < rows; i++) {
            for (int j = 0; j < half; j++) {
                float arg = i * freq[j];
                t[i * d + j] = (float) Math.sin(arg);
                t[i * d + half + j] = (float) Math.cos(arg);
            }
        }
        return t;
    }

    /** Position embeddings [B, L, d] for {@code x} [B, L, d] (padding decided on x[..., 0]). */
    public static Value embed(GraphBuilder b, Value x, int d) {
        Dim len = x.dim(1);
        int rows = len.isKnown() ? (int) len.size() + 1 : MAX_POSITIONS + 1;
        float[] values = table(rows, d);
        Value table = b.constant(x.dtype() == DType.DOUBLE
                ? Tensors.of("", DType.DOUBLE, new long[] {rows, d}, toDoubles(values))
                : Tensors.floats("", new long[] {rows, d}, values));
        Value positions;
        if (len.isKnown()) {
            long[] idx = new long[(int) len.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i + 1;
            }
            positions = b.ints(idx);
        } else {
            Value l = b.squeeze(b.gather(b.shape(x), b.ints(1), 0), 0);
            positions = b.range(b.intScalar(1), b.add(l, b.intScalar(1)), b.intScalar(1));
        }
        Value first = b.gather(x, b.intScalar(0), 2);                           // [B, L]
        Value isToken = b.not(b.equal(first, b.scalarLike(0, x)));
        Value pos = b.where(isToken, positions, b.intScalar(0));                // [B, L]
        return b.gather(table, pos, 0);
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
