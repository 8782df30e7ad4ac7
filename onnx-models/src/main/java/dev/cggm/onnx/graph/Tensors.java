package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds and reads ONNX {@link TensorProto}s (little-endian raw data). */
public final class Tensors {
    private Tensors() {
    }

    public static TensorProto floats(String name, long[] shape, float[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        return proto(name, DType.FLOAT, shape, buf);
    }

    public static TensorProto doubles(String name, long[] shape, double[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(data);
        return proto(name, DType.DOUBLE, shape, buf);
    }

    public static TensorProto longs(String name, long[] shape, long[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        return proto(name, DType.INT64, shape, buf);
    }

    public static TensorProto bools(String name, long[] shape, boolean[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer buf = ByteBuffer.allocate(data.length);
        for (boolean b : data) {
            buf.put((byte) (b ? 1 : 0));
        }
        buf.flip();
        return proto(name, DType.BOOL, shape, buf);
    }

    /** A tensor of {@code dtype} (float, double, or an integer type) holding {@code values}. */
    public static TensorProto of(String name, DType dtype, long[] shape, double[] values) {
        return switch (dtype) {
            case FLOAT -> {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                yield floats(name, shape, f);
            }
            case DOUBLE -> doubles(name, shape, values);
            case INT64 -> {
                long[] l = new long[values.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = (long) values[i];
                }
                yield longs(name, shape, l);
            }
            case BOOL -> {
                boolean[] b = new boolean[values.length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = values[i] != 0;
                }
                yield bools(name, shape, b);
            }
            default -> throw new GraphException("cannot make a constant of type " + dtype);
        };
    }

    /** A scalar (rank 0) constant. */
    public static TensorProto scalar(String name, DType dtype, double value) {
        return of(name, dtype, new long[0], new double[] {value});
    }

    private static TensorProto proto(String name, DType dtype, long[] shape, ByteBuffer data) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dtype.code());
        for (long d : shape) {
            b.addDims(d);
        }
        return b.setRawData(ByteString.copyFrom(data.rewind())).build();
    }

    private static void checkCount(String name, long[] shape, int count) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != count) {
            throw new GraphException("tensor '" + name + "': shape " + java.util.Arrays.toString(shape)
                    + " needs " + n + " values, got " + count);
        }
    }

    public static DType dtype(TensorProto t) {
        return DType.fromCode(t.getDataType());
    }

    public static long[] shape(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    public static Shape shapeOf(TensorProto t) {
        return Shape.of(shape(t));
    }

    public static long numElements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** The values of an integer or bool tensor as longs. */
    public static long[] toLongs(TensorProto t) {
        int n = (int) numElements(t);
        long[] out = new long[n];
        DType dt = dtype(t);
        if (!t.getRawData().isEmpty()) {
            ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (dt) {
                    case INT64 -> buf.getLong();
                    case INT32 -> buf.getInt();
                    case INT8, BOOL -> buf.get();
                    case UINT8 -> buf.get() & 0xff;
                    default -> throw new GraphException("tensor '" + t.getName() + "' of type " + dt + " is not integral");
                };
            }
            return out;
        }
        return switch (dt) {
            case INT64 -> t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
            case INT32, INT8, UINT8, BOOL -> t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            default -> throw new GraphException("tensor '" + t.getName() + "' of type " + dt + " is not integral");
        };
    }

    /** The values of any numeric tensor as doubles. */
    public static double[] toDoubles(TensorProto t) {
        int n = (int) numElements(t);
        DType dt = dtype(t);
        if (!dt.isFloating()) {
            long[] l = toLongs(t);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = l[i];
            }
            return d;
        }
        double[] out = new double[n];
        if (!t.getRawData().isEmpty()) {
            ByteBuffer buf = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (dt) {
                    case FLOAT -> buf.getFloat();
                    case DOUBLE -> buf.getDouble();
                    case FLOAT16 -> Float.float16ToFloatCompat(buf.getShort());
                    default -> throw new IllegalStateException();
                };
            }
            return out;
        }
        return switch (dt) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getFloatData(i);
                }
                yield out;
            }
            case DOUBLE -> t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
            default -> throw new GraphException("tensor '" + t.getName() + "': float16 values outside raw_data are not supported");
        };
    }

    /** A renamed copy. */
    public static TensorProto renamed(TensorProto t, String name) {
        return t.toBuilder().setName(name).build();
    }

    /** An IEEE half-precision value (its bits) as a float. */
    public static float float16ToFloat(short bits) {
        return Float.float16ToFloatCompat(bits);
    }

    /** Half-precision decoding, for Java 17 (Float.float16ToFloat arrived in Java 20). */
    static final class Float {
        private Float() {
        }

        static float float16ToFloatCompat(short h) {
            int bits = h & 0xffff;
            int sign = (bits >>> 15) & 1;
            int exp = (bits >>> 10) & 0x1f;
            int mant = bits & 0x3ff;
            float v;
            if (exp == 0) {
                v = (float) (mant * Math.pow(2, -24));
            } else if (exp == 31) {
                v = mant == 0 ? java.lang.Float.POSITIVE_INFINITY : java.lang.Float.NaN;
            } else {
                v = (float) ((1 + mant / 1024.0) * Math.pow(2, exp - 15));
            }
            return sign == 1 ? -v : v;
        }
    }
}
