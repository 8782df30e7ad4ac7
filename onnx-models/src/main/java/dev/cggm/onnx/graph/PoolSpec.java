package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The window of a 2-D MaxPool or AveragePool. {@link #window} takes PyTorch's convention — the
 * stride defaults to the kernel ({@code nn.MaxPool2d(2)} halves each side) — not ONNX's stride 1.
 * Immutable; pads are [top, left, bottom, right] and must be smaller than the kernel.
 */
public final class PoolSpec {
    private final long[] kernel;
    private final long[] strides;
    private final long[] pads;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    private PoolSpec(long[] kernel, long[] strides, long[] pads, boolean ceilMode, boolean countIncludePad) {
        this.kernel = kernel;
        this.strides = strides;
        this.pads = pads;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    /** A k×k window moved by k (no padding, floor mode, padding not counted in averages). */
    public static PoolSpec window(long k) {
        return window(k, k);
    }

    public static PoolSpec window(long kh, long kw) {
        return new PoolSpec(new long[] {kh, kw}, new long[] {kh, kw}, new long[4], false, false);
    }

    public PoolSpec stride(long s) {
        return new PoolSpec(kernel, new long[] {s, s}, pads, ceilMode, countIncludePad);
    }

    public PoolSpec padding(long p) {
        return pads(p, p, p, p);
    }

    public PoolSpec pads(long top, long left, long bottom, long right) {
        return new PoolSpec(kernel, strides, new long[] {top, left, bottom, right}, ceilMode, countIncludePad);
    }

    /** Output extents rounded up (a last window that starts in the end padding is still dropped). */
    public PoolSpec ceilMode(boolean on) {
        return new PoolSpec(kernel, strides, pads, on, countIncludePad);
    }

    /** AveragePool only: whether padded positions count in the divisor (PyTorch's default is true, ONNX's false). */
    public PoolSpec countIncludePad(boolean on) {
        return new PoolSpec(kernel, strides, pads, ceilMode, on);
    }

    /** MaxPool attributes. */
    public AttributeProto[] maxPoolAttributes() {
        return common().toArray(AttributeProto[]::new);
    }

    /** AveragePool attributes. */
    public AttributeProto[] averagePoolAttributes() {
        List<AttributeProto> a = common();
        a.add(Attr.i("count_include_pad", countIncludePad ? 1 : 0));
        return a.toArray(AttributeProto[]::new);
    }

    private List<AttributeProto> common() {
        List<AttributeProto> a = new ArrayList<>();
        a.add(Attr.ints("kernel_shape", kernel));
        a.add(Attr.ints("strides", strides));
        a.add(Attr.ints("pads", pads));
        a.add(Attr.i("ceil_mode", ceilMode ? 1 : 0));
        return a;
    }

    @Override
    public String toString() {
        return "kernel " + Arrays.toString(kernel) + " stride " + Arrays.toString(strides) + " pads " + Arrays.toString(pads)
                + (ceilMode ? " ceil" : "") + (countIncludePad ? " count_include_pad" : "");
    }
}
