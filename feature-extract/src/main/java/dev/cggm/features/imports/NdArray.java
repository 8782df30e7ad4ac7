package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A numpy array read from a pickle or an {@code .npy} file: dtype, shape and the raw values
 * (bytes in the dtype's byte order, or Python objects for dtype {@code O}), C or Fortran order.
 * Element {@code i} is counted in C (row-major) order whatever the storage order.
 *
 * <p>For the unpickler it is also what {@code numpy.core.multiarray._reconstruct} returns: an
 * empty array that numpy's pickles then fill through {@link #__setstate__}.
 */
public final class NdArray {
    private NumpyDtype dtype;
    private int[] shape = new int[0];
    private boolean fortran;
    private ByteBuffer bytes;
    private List<?> objects;

    NdArray() {
    }

    /** An array over raw bytes (numeric, {@code S} or {@code U} dtype). */
    static NdArray ofBytes(NumpyDtype dtype, int[] shape, boolean fortran, byte[] data) {
        NdArray a = new NdArray();
        a.dtype = dtype;
        a.shape = shape.clone();
        a.fortran = fortran;
        a.bytes = ByteBuffer.wrap(data).order(dtype.order());
        a.checkSize(data.length);
        return a;
    }

    /** An array of Python objects (dtype {@code O}). */
    static NdArray ofObjects(int[] shape, boolean fortran, List<?> values) {
        NdArray a = new NdArray();
        a.dtype = NumpyDtype.parse("|O");
        a.shape = shape.clone();
        a.fortran = fortran;
        a.objects = values;
        if (values.size() != a.size()) {
            throw new FeatureException("numpy object array of shape " + Arrays.toString(shape) + " holds "
                    + values.size() + " objects");
        }
        return a;
    }

    /**
     * numpy's ndarray state: {@code (version, shape, dtype, is_fortran, data)} (version 1; older
     * pickles omit the version), data being the raw bytes or, for object arrays, a list.
     */
    public void __setstate__(Object[] state) {
        int o = state.length == 5 ? 1 : 0;
        if (state.length - o != 4) {
            throw new FeatureException("unexpected numpy array state of " + state.length + " items");
        }
        int[] s = toShape(state[o]);
        if (!(state[o + 1] instanceof NumpyDtype d)) {
            throw new FeatureException("numpy array state without a dtype");
        }
        boolean f = Boolean.TRUE.equals(state[o + 2]) || (state[o + 2] instanceof Number n && n.intValue() != 0);
        Object data = state[o + 3];
        NdArray built;
        if (data instanceof byte[] b) {
            built = ofBytes(d, s, f, b);
        } else if (data instanceof String str) {
            built = ofBytes(d, s, f, str.getBytes(StandardCharsets.ISO_8859_1)); // Python 2 pickles: bytes as str
        } else if (data instanceof List<?> list) {
            built = ofObjects(s, f, list);
        } else {
            throw new FeatureException("numpy array data of unexpected type "
                    + (data == null ? "None" : data.getClass().getSimpleName()));
        }
        dtype = built.dtype;
        shape = built.shape;
        fortran = built.fortran;
        bytes = built.bytes;
        objects = built.objects;
    }

    static int[] toShape(Object tuple) {
        if (tuple instanceof Object[] dims) {
            int[] s = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                long v = ((Number) dims[i]).longValue();
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw new FeatureException("numpy array dimension " + v + " out of range");
                }
                s[i] = (int) v;
            }
            return s;
        }
        if (tuple instanceof Number n) {
            return new int[] {n.intValue()};
        }
        throw new FeatureException("numpy array shape is not a tuple");
    }

    private void checkSize(long available) {
        long need = size() * dtype.itemSize();
        if (available != need) {
            throw new FeatureException("numpy array of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + need + " bytes but has " + available + " (truncated or corrupt data)");
        }
    }

    public NumpyDtype dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int ndim() {
        return shape.length;
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Storage position of C-order element {@code i}. */
    private long storage(long i) {
        if (!fortran || shape.length < 2) {
            return i;
        }
        long pos = 0;
        long stride = 1;
        long rest = i;
        long[] idx = new long[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = rest % shape[k];
            rest /= shape[k];
        }
        for (int k = 0; k < shape.length; k++) {
            pos += idx[k] * stride;
            stride *= shape[k];
        }
        return pos;
    }

    /** Element {@code i} (C order) as a double (numeric dtypes). */
    public double getDouble(long i) {
        long at = storage(i) * dtype.itemSize();
        if (at > Integer.MAX_VALUE) {
            throw new FeatureException("numpy array too large (over 2 GiB of data)");
        }
        int p = (int) at;
        return switch (dtype.kind()) {
            case 'f' -> switch (dtype.itemSize()) {
                case 4 -> bytes.getFloat(p);
                case 8 -> bytes.getDouble(p);
                default -> org.apache.arrow.memory.util.Float16.toFloat(bytes.getShort(p));
            };
            case 'i' -> switch (dtype.itemSize()) {
                case 1 -> bytes.get(p);
                case 2 -> bytes.getShort(p);
                case 4 -> bytes.getInt(p);
                default -> bytes.getLong(p);
            };
            case 'u' -> switch (dtype.itemSize()) {
                case 1 -> bytes.get(p) & 0xff;
                case 2 -> bytes.getShort(p) & 0xffff;
                case 4 -> bytes.getInt(p) & 0xffffffffL;
                default -> (double) bytes.getLong(p);
            };
            case 'b' -> bytes.get(p) != 0 ? 1 : 0;
            case 'O' -> ((Number) objects.get((int) storage(i))).doubleValue();
            default -> throw new FeatureException("numpy array of dtype " + dtype + " holds no numbers");
        };
    }

    /** Element {@code i} as float32, as numpy's {@code astype(np.float32)} (round to nearest). */
    public float getFloat(long i) {
        if (dtype.kind() == 'f' && dtype.itemSize() == 4) {
            long at = storage(i) * 4;
            if (at > Integer.MAX_VALUE) {
                throw new FeatureException("numpy array too large (over 2 GiB of data)");
            }
            return bytes.getFloat((int) at);
        }
        return (float) getDouble(i);
    }

    /** Element {@code i} as a long (integer dtypes, exact). */
    public long getLong(long i) {
        if (dtype.kind() == 'i' && dtype.itemSize() == 8) {
            return bytes.getLong((int) (storage(i) * 8));
        }
        if (dtype.kind() == 'O' && objects.get((int) storage(i)) instanceof Number n) {
            return n.longValue();
        }
        return (long) getDouble(i);
    }

    /** Copies {@code n} elements from C-order position {@code from} as float32. */
    public void copyFloats(long from, float[] dst, int dstOffset, int n) {
        for (int k = 0; k < n; k++) {
            dst[dstOffset + k] = getFloat(from + k);
        }
    }

    /**
     * Element {@code i} as text: {@code S} bytes decoded as UTF-8, {@code U} as UTF-32, trailing
     * NULs removed (numpy pads fixed-width strings with them); objects by their string value.
     */
    public String getString(long i) {
        long s = storage(i);
        return switch (dtype.kind()) {
            case 'S' -> {
                byte[] b = new byte[dtype.itemSize()];
                bytes.get((int) (s * dtype.itemSize()), b);
                int n = b.length;
                while (n > 0 && b[n - 1] == 0) {
                    n--;
                }
                yield new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case 'U' -> {
                StringBuilder sb = new StringBuilder();
                int base = (int) (s * dtype.itemSize());
                for (int k = 0; k < dtype.itemSize() / 4; k++) {
                    int cp = bytes.getInt(base + 4 * k);
                    if (cp == 0) {
                        break;
                    }
                    sb.appendCodePoint(cp);
                }
                yield sb.toString();
            }
            case 'O' -> {
                Object v = objects.get((int) s);
                yield v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
            }
            default -> {
                double v = getDouble(i);
                yield v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
            }
        };
    }

    @Override
    public String toString() {
        return "ndarray" + Arrays.toString(shape) + " " + dtype;
    }
}
