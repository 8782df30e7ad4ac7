package dev.cggm.features.imports;

import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;

import java.util.Arrays;

/**
 * Reads one row of a list column (list, large_list or fixed_size_list of floats, or of such
 * lists) as float32 values, row-major, with the row's shape: {@code [n]} for a flat list,
 * {@code [L, D]} for a list of lists of equal length. Without copying whole columns.
 */
final class ListValues {
    private ListValues() {
    }

    /** Why a row cannot be read (null list or element, ragged inner lists, not floats). */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;

        Problem(String message) {
            super(message);
        }
    }

    /** Whether the column is a list type this reader takes. */
    static boolean isList(FieldVector v) {
        return v instanceof ListVector || v instanceof LargeListVector || v instanceof FixedSizeListVector;
    }

    /** The shape of row {@code row}: {@code [n]} or {@code [L, D]}. */
    static int[] shape(FieldVector v, int row) throws Problem {
        long[] r = range(v, row);
        FieldVector child = child(v);
        if (!isList(child)) {
            return new int[] {(int) (r[1] - r[0])};
        }
        int inner = -1;
        for (long i = r[0]; i < r[1]; i++) {
            long[] ir = range(child, (int) i);
            int n = (int) (ir[1] - ir[0]);
            if (inner >= 0 && n != inner) {
                throw new Problem("inner lists of different lengths (" + inner + " and " + n + ")");
            }
            inner = n;
            if (isList(child(child))) {
                throw new Problem("lists nested more than two deep");
            }
        }
        return new int[] {(int) (r[1] - r[0]), Math.max(inner, 0)};
    }

    /** Row {@code row}'s values, row-major; its shape must be {@code shape}. */
    static float[] read(FieldVector v, int row, int[] shape) throws Problem {
        int[] actual = shape(v, row);
        int[] want = shape;
        int width = 1;
        for (int d : want) {
            width *= d;
        }
        int actualWidth = 1;
        for (int d : actual) {
            actualWidth *= d;
        }
        // a flat list may carry a [L, D] modality row-major
        if (!(Arrays.equals(actual, want) || (actual.length == 1 && actualWidth == width))) {
            throw new Problem("shape " + Arrays.toString(actual) + ", expected " + Arrays.toString(want));
        }
        float[] out = new float[width];
        long[] r = range(v, row);
        FieldVector child = child(v);
        if (actual.length == 1) {
            leaves(child, r[0], r[1], out, 0);
        } else {
            int at = 0;
            for (long i = r[0]; i < r[1]; i++) {
                long[] ir = range(child, (int) i);
                leaves(child(child), ir[0], ir[1], out, at);
                at += (int) (ir[1] - ir[0]);
            }
        }
        return out;
    }

    private static void leaves(FieldVector leaf, long from, long to, float[] out, int at) throws Problem {
        for (long i = from; i < to; i++) {
            int k = (int) i;
            if (leaf.isNull(k)) {
                throw new Problem("a null element");
            }
            if (leaf instanceof Float4Vector f) {
                out[at++] = f.get(k);
            } else if (leaf instanceof Float8Vector f) {
                out[at++] = (float) f.get(k);
            } else if (leaf instanceof Float2Vector f) {
                out[at++] = f.getValueAsFloat(k);
            } else if (leaf instanceof BaseIntVector n) {
                out[at++] = n.getValueAsLong(k);
            } else {
                throw new Problem("elements of type " + leaf.getField().getType() + ", not numbers");
            }
        }
    }

    private static long[] range(FieldVector v, int row) throws Problem {
        if (v.isNull(row)) {
            throw new Problem("a null list");
        }
        if (v instanceof ListVector l) {
            return new long[] {l.getElementStartIndex(row), l.getElementEndIndex(row)};
        }
        if (v instanceof LargeListVector l) {
            return new long[] {l.getElementStartIndex(row), l.getElementEndIndex(row)};
        }
        if (v instanceof FixedSizeListVector l) {
            return new long[] {(long) row * l.getListSize(), (long) (row + 1) * l.getListSize()};
        }
        throw new Problem("a " + v.getField().getType() + " value, not a list");
    }

    private static FieldVector child(FieldVector v) {
        if (v instanceof ListVector l) {
            return l.getDataVector();
        }
        if (v instanceof LargeListVector l) {
            return l.getDataVector();
        }
        if (v instanceof FixedSizeListVector l) {
            return l.getDataVector();
        }
        return v;
    }
}
