package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;

import java.util.Arrays;

/**
 * The sliding window of a 2-D Conv, MaxPool or AveragePool node (inputs [N, C, H, W]): kernel,
 * strides, dilations and padding, with auto_pad and output extents resolved as ONNX Runtime's CPU
 * kernels do (conv_attributes.h, pool_attributes.h): SAME padding is sized by the undilated
 * kernel, and configurations ONNX Runtime rejects or types inconsistently (SAME with dilations
 * on Conv, a ceil_mode window starting in the end padding) are refused where the model is
 * written. Pads are [top, left, bottom, right].
 */
final class Window2d {
    /** Which op family the window belongs to; they differ in SAME and ceil handling. */
    enum Kind { CONV, POOL }

    final long[] kernel;
    final long[] strides;
    final long[] dilations;
    final String autoPad;
    final boolean ceilMode;
    private final long[] explicitPads;
    private final Kind kind;
    private final Node node;

    private Window2d(Node node, Kind kind, long[] kernel) {
        this.node = node;
        this.kind = kind;
        this.kernel = kernel;
        this.strides = orDefault(node.attrInts("strides"), 2, 1, "strides");
        this.dilations = orDefault(node.attrInts("dilations"), 2, 1, "dilations");
        this.explicitPads = orDefault(node.attrInts("pads"), 4, 0, "pads");
        this.autoPad = node.attrString("auto_pad", "NOTSET");
        this.ceilMode = node.attrInt("ceil_mode", 0) != 0;
        for (int a = 0; a < 2; a++) {
            if (kernel[a] <= 0 || strides[a] <= 0 || dilations[a] <= 0) {
                throw error("kernel, strides and dilations must be positive, got kernel "
                        + Arrays.toString(kernel) + ", strides " + Arrays.toString(strides)
                        + ", dilations " + Arrays.toString(dilations));
            }
        }
        for (long p : explicitPads) {
            if (p < 0) {
                throw error("pads must be >= 0, got " + Arrays.toString(explicitPads));
            }
        }
        switch (autoPad) {
            case "NOTSET", "VALID" -> { }
            case "SAME_UPPER", "SAME_LOWER" -> {
                if (kind == Kind.CONV && (dilations[0] != 1 || dilations[1] != 1)) {
                    // ONNX Runtime fails at run time: say so where the model is written
                    throw error("auto_pad " + autoPad + " with dilations is not supported by ONNX Runtime; give explicit pads");
                }
            }
            default -> throw error("unknown auto_pad '" + autoPad + "'");
        }
        if (node.hasAttr("pads") && !autoPad.equals("NOTSET")) {
            throw error("pads and auto_pad " + autoPad + " cannot both be given");
        }
        if (kind == Kind.POOL) {
            for (int a = 0; a < 2; a++) {
                if (explicitPads[a] >= kernel[a] || explicitPads[a + 2] >= kernel[a]) {
                    throw error("pads must be smaller than the kernel, got pads " + Arrays.toString(explicitPads)
                            + " for kernel " + Arrays.toString(kernel));
                }
            }
        }
    }

    /** A Conv node's window; the kernel comes from the weight's spatial extents. */
    static Window2d conv(Node node, long kh, long kw) {
        long[] declared = node.attrInts("kernel_shape");
        if (declared != null && !Arrays.equals(declared, new long[] {kh, kw})) {
            throw new GraphException(node.describe() + ": kernel_shape " + Arrays.toString(declared)
                    + " does not match the weight's spatial extents [" + kh + ", " + kw + "]");
        }
        return new Window2d(node, Kind.CONV, new long[] {kh, kw});
    }

    /** A MaxPool or AveragePool node's window (kernel_shape is required). */
    static Window2d pool(Node node) {
        long[] k = node.attrInts("kernel_shape");
        if (k == null || k.length != 2) {
            throw new GraphException(node.describe() + ": kernel_shape of two extents is required (2-D pooling), got "
                    + (k == null ? "none" : Arrays.toString(k)));
        }
        return new Window2d(node, Kind.POOL, k);
    }

    private long[] orDefault(long[] v, int n, long fill, String what) {
        if (v == null || v.length == 0) {
            long[] d = new long[n];
            Arrays.fill(d, fill);
            return d;
        }
        if (v.length != n) {
            throw error(what + " must have " + n + " entries for 2-D, got " + Arrays.toString(v));
        }
        return v;
    }

    long dilatedKernel(int axis) {
        return (kernel[axis] - 1) * dilations[axis] + 1;
    }

    /** [begin, end] padding along spatial {@code axis} (0 = H, 1 = W) of an input of extent {@code in}. */
    long[] pads(int axis, long in) {
        return switch (autoPad) {
            case "VALID" -> new long[] {0, 0};
            case "SAME_UPPER", "SAME_LOWER" -> {
                long target = (in + strides[axis] - 1) / strides[axis];
                long needed = (target - 1) * strides[axis] + kernel[axis] - in;
                if (needed < 0) {
                    // ONNX Runtime would crop with negative padding; nothing else here understands that
                    throw error("auto_pad " + autoPad + " needs negative padding for extent " + in
                            + " (kernel smaller than stride); give explicit pads");
                }
                long head = autoPad.equals("SAME_UPPER") ? needed / 2 : (needed + 1) / 2;
                yield new long[] {head, needed - head};
            }
            default -> new long[] {explicitPads[axis], explicitPads[axis + 2]};
        };
    }

    /** All four pads [top, left, bottom, right] for spatial extents {@code h, w}. */
    long[] pads(long h, long w) {
        long[] ph = pads(0, h);
        long[] pw = pads(1, w);
        return new long[] {ph[0], pw[0], ph[1], pw[1]};
    }

    /** The output extent along spatial {@code axis}; unknown unless the input extent is. */
    Dim outputDim(int axis, Dim in) {
        if (!in.isKnown()) {
            return Dim.unknown();
        }
        return Dim.of(outputSize(axis, in.size()));
    }

    long outputSize(int axis, long in) {
        long[] p = pads(axis, in);
        long span = in + p[0] + p[1] - dilatedKernel(axis);
        if (span < 0) {
            throw error("the dilated kernel (" + dilatedKernel(axis) + ") is larger than the padded input ("
                    + (in + p[0] + p[1]) + ") along spatial axis " + axis);
        }
        long s = strides[axis];
        if (kind == Kind.POOL && ceilMode) {
            long out = (span + s - 1) / s + 1;
            if ((out - 1) * s >= in + p[0]) {
                // ORT's kernel drops a last window that starts in the end padding (PyTorch's rule),
                // ONNX shape inference keeps it: a graph built either way fails in one of them
                throw error("with ceil_mode the last window along spatial axis " + axis + " would start in the end "
                        + "padding, where ONNX and ONNX Runtime disagree on the output extent; reduce the end padding");
            }
            return out;
        }
        return span / s + 1;
    }

    /**
     * ConvTranspose: the [begin, end] crop of the full output along {@code axis}. SAME makes the
     * output extent {@code in · stride}, the odd unit cropped at the end for SAME_UPPER and at the
     * beginning for SAME_LOWER (the ONNX spec, which ONNX Runtime 1.29 follows).
     */
    long[] transposePads(int axis, long in, long outputPadding) {
        return switch (autoPad) {
            case "VALID" -> new long[] {0, 0};
            case "SAME_UPPER", "SAME_LOWER" -> {
                long total = (in - 1) * strides[axis] + outputPadding + dilatedKernel(axis) - in * strides[axis];
                if (total < 0) {
                    throw error("auto_pad " + autoPad + " cannot reach extent " + in * strides[axis]
                            + " (kernel smaller than stride); give explicit pads and output_padding");
                }
                long head = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                yield new long[] {head, total - head};
            }
            default -> new long[] {explicitPads[axis], explicitPads[axis + 2]};
        };
    }

    /** ConvTranspose's output extent: (in − 1)·stride + dilated kernel + output_padding − pads. */
    long transposeOutputSize(int axis, long in, long outputPadding) {
        long[] p = transposePads(axis, in, outputPadding);
        long out = (in - 1) * strides[axis] + dilatedKernel(axis) + outputPadding - p[0] - p[1];
        if (out <= 0) {
            throw error("pads " + Arrays.toString(p) + " crop the whole output along spatial axis " + axis);
        }
        return out;
    }

    GraphException error(String message) {
        return new GraphException(node.describe() + ": " + message);
    }
}
