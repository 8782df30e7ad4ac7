package dev.cggm.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.cggm.onnx.graph.DType;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * A tensor in JVM memory: element type, shape and a flat row-major array ({@code float[]},
 * {@code double[]}, {@code long[]} or {@code boolean[]}). The currency between our code and ONNX
 * Runtime for small and medium tensors.
 */
public record HostTensor(DType dtype, long[] shape, Object data) {
    public HostTensor {
        long n = count(shape);
        int len = java.lang.reflect.Array.getLength(data);
        if (n != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + len);
        }
    }

    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public static HostTensor of(float[] data, long... shape) {
        return new HostTensor(DType.FLOAT, shape, data);
    }

    public static HostTensor of(double[] data, long... shape) {
        return new HostTensor(DType.DOUBLE, shape, data);
    }

    public static HostTensor of(long[] data, long... shape) {
        return new HostTensor(DType.INT64, shape, data);
    }

    public static HostTensor of(boolean[] data, long... shape) {
        return new HostTensor(DType.BOOL, shape, data);
    }

    public static HostTensor scalar(float v) {
        return of(new float[] {v});
    }

    /** A float or double tensor from doubles, in the requested precision. */
    public static HostTensor ofDoubles(DType dtype, double[] values, long... shape) {
        return switch (dtype) {
            case DOUBLE -> of(values.clone(), shape);
            case FLOAT -> {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                yield of(f, shape);
            }
            default -> throw new IllegalArgumentException("not a floating type: " + dtype);
        };
    }

    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    public float[] floats() {
        return (float[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    /** The values widened to double (float and double tensors). */
    public double[] toDoubles() {
        if (data instanceof double[] d) {
            return d;
        }
        if (data instanceof float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        if (data instanceof long[] l) {
            return Arrays.stream(l).asDoubleStream().toArray();
        }
        throw new IllegalStateException("not numeric: " + dtype);
    }

    /** Scalar value (any numeric type). */
    public double item() {
        return toDoubles()[0];
    }

    /** Copies into a new ONNX Runtime tensor; the caller closes it. */
    public OnnxTensor toOnnx(OrtEnvironment env) throws OrtException {
        return switch (dtype) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) data), shape);
            case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) data), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) data), shape);
            case BOOL -> {
                boolean[] b = (boolean[]) data;
                ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
                for (boolean v : b) {
                    buf.put((byte) (v ? 1 : 0));
                }
                buf.flip();
                yield OnnxTensor.createTensor(env, buf, shape, ai.onnxruntime.OnnxJavaType.BOOL);
            }
            default -> throw new IllegalArgumentException("unsupported host tensor type " + dtype);
        };
    }

    /** Copies an ONNX Runtime tensor into the JVM. */
    public static HostTensor fromOnnx(OnnxTensor t) throws OrtException {
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        return switch (info.type) {
            case FLOAT -> {
                FloatBuffer fb = t.getFloatBuffer();
                float[] f = new float[fb.remaining()];
                fb.get(f);
                yield of(f, shape);
            }
            case DOUBLE -> {
                DoubleBuffer db = t.getDoubleBuffer();
                double[] d = new double[db.remaining()];
                db.get(d);
                yield of(d, shape);
            }
            case INT64 -> {
                LongBuffer lb = t.getLongBuffer();
                long[] l = new long[lb.remaining()];
                lb.get(l);
                yield of(l, shape);
            }
            case BOOL -> {
                ByteBuffer bb = t.getByteBuffer();
                boolean[] b = new boolean[bb.remaining()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = bb.get() != 0;
                }
                yield of(b, shape);
            }
            default -> throw new IllegalArgumentException("unsupported ONNX Runtime tensor type " + info.type);
        };
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
