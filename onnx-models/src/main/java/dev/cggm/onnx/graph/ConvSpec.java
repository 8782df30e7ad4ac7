package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The geometry of a 2-D Conv or ConvTranspose — strides, padding, dilations, groups — with
 * PyTorch's defaults (stride 1, no padding, dilation 1, one group). Immutable; each {@code with}
 * returns a changed copy. Explicit pads are [top, left, bottom, right]; {@link #same()} and
 * {@link #valid()} use ONNX auto_pad instead.
 */
public final class ConvSpec {
    private final long[] strides;
    private final long[] pads;
    private final long[] dilations;
    private final long groups;
    private final String autoPad;

    private ConvSpec(long[] strides, long[] pads, long[] dilations, long groups, String autoPad) {
        this.strides = strides;
        this.pads = pads;
        this.dilations = dilations;
        this.groups = groups;
        this.autoPad = autoPad;
    }

    /** Stride 1, no padding, dilation 1, one group. */
    public static ConvSpec defaults() {
        return new ConvSpec(new long[] {1, 1}, new long[4], new long[] {1, 1}, 1, "NOTSET");
    }

    public ConvSpec stride(long s) {
        return stride(s, s);
    }

    public ConvSpec stride(long sh, long sw) {
        return new ConvSpec(new long[] {sh, sw}, pads, dilations, groups, autoPad);
    }

    /** The same padding on all four sides (PyTorch's {@code padding=p}). */
    public ConvSpec padding(long p) {
        return pads(p, p, p, p);
    }

    public ConvSpec pads(long top, long left, long bottom, long right) {
        return new ConvSpec(strides, new long[] {top, left, bottom, right}, dilations, groups, "NOTSET");
    }

    public ConvSpec dilation(long d) {
        return new ConvSpec(strides, pads, new long[] {d, d}, groups, autoPad);
    }

    /** Grouped convolution; {@code groups} = channels is depthwise. */
    public ConvSpec groups(long g) {
        return new ConvSpec(strides, pads, dilations, g, autoPad);
    }

    /** ONNX auto_pad SAME_UPPER: output extent ⌈in / stride⌉ (Conv), in · stride (ConvTranspose); odd padding at the end. */
    public ConvSpec same() {
        return new ConvSpec(strides, new long[4], dilations, groups, "SAME_UPPER");
    }

    /** ONNX auto_pad SAME_LOWER: like {@link #same()} with the odd padding at the beginning. */
    public ConvSpec sameLower() {
        return new ConvSpec(strides, new long[4], dilations, groups, "SAME_LOWER");
    }

    /** ONNX auto_pad VALID: no padding. */
    public ConvSpec valid() {
        return new ConvSpec(strides, new long[4], dilations, groups, "VALID");
    }

    public long groups() {
        return groups;
    }

    /** The node attributes (kernel_shape is left to the weight). */
    public AttributeProto[] attributes() {
        List<AttributeProto> a = new ArrayList<>();
        a.add(Attr.ints("strides", strides));
        a.add(Attr.ints("dilations", dilations));
        a.add(Attr.i("group", groups));
        if (autoPad.equals("NOTSET")) {
            a.add(Attr.ints("pads", pads));
        } else {
            a.add(Attr.s("auto_pad", autoPad));
        }
        return a.toArray(AttributeProto[]::new);
    }

    @Override
    public String toString() {
        return "stride " + Arrays.toString(strides) + (autoPad.equals("NOTSET") ? " pads " + Arrays.toString(pads) : " " + autoPad)
                + " dilation " + Arrays.toString(dilations) + " groups " + groups;
    }
}
