package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * The adjoint pieces the Conv, ConvTranspose and pooling rules share, emitted as Conv,
 * ConvTranspose, Pad, Slice and MatMul nodes (ONNX Runtime runs Conv and ConvTranspose in float
 * and float16, not double). Geometry is static: spatial extents and kernels must be known when
 * the gradient graph is built.
 *
 * <p>The helpers aim at a target spatial extent instead of repeating the forward's end padding:
 * rows the forward window never reached (the floor of the stride division) get zero gradient and
 * are produced by output_padding or trimmed by a Slice.
 */
final class ConvGradients {
    private ConvGradients() {
    }

    /**
     * Conv of {@code x} [N, C, H, W] with {@code w} [M, C/group, kh, kw] and begin padding
     * {@code padsBegin} [top, left], with just enough end padding (or a trailing Slice) that the
     * output has spatial extents {@code target}.
     */
    static Value convTo(GraphBuilder b, Value x, Value w, long[] strides, long[] dilations, long[] padsBegin,
                        long group, long[] target) {
        long[] padsEnd = new long[2];
        boolean trim = false;
        for (int a = 0; a < 2; a++) {
            long in = x.dim(2 + a).size();
            long dk = (w.dim(2 + a).size() - 1) * dilations[a] + 1;
            long needed = (target[a] - 1) * strides[a] + dk - in - padsBegin[a];
            padsEnd[a] = Math.max(0, needed);
            trim |= needed < 0;
        }
        Value y = b.op1("Conv", List.of(x, w),
                Attr.ints("strides", strides), Attr.ints("dilations", dilations), Attr.i("group", group),
                Attr.ints("pads", padsBegin[0], padsBegin[1], padsEnd[0], padsEnd[1]));
        return trim ? b.slice(y, new long[] {0, 0}, target, new long[] {2, 3}) : y;
    }

    /**
     * The input gradient of {@code y = Conv(x, W)}: the transposed convolution of dy with W onto
     * x's extents {@code spatial}. With unit strides it runs as a plain Conv of dy with W's
     * channels swapped within each group and its kernel flipped (begin padding dk − 1 − pad),
     * which ONNX Runtime computes about twice as fast as ConvTranspose; otherwise ConvTranspose.
     */
    static Value inputGrad(GraphBuilder b, Value dy, Value w, long[] strides, long[] dilations, long[] padsBegin,
                           long group, long[] spatial) {
        long[] flippedPads = new long[2];
        boolean plain = true;
        for (int a = 0; a < 2; a++) {
            long dk = (w.dim(2 + a).size() - 1) * dilations[a] + 1;
            flippedPads[a] = dk - 1 - padsBegin[a];
            plain &= strides[a] == 1 && flippedPads[a] >= 0;
        }
        if (!plain) {
            return convTransposeTo(b, dy, w, strides, dilations, padsBegin, group, spatial);
        }
        long m = w.dim(0).size();
        long perGroup = w.dim(1).size();
        long kh = w.dim(2).size();
        long kw = w.dim(3).size();
        // W [M, C/G, kh, kw] → [C, M/G, kh, kw] (channels swapped per group), kernel reversed
        Value grouped = b.reshape(w, group, m / group, perGroup, kh, kw);
        Value swapped = b.reshape(b.transpose(grouped, 0, 2, 1, 3, 4), group * perGroup, m / group, kh, kw);
        Value flipped = b.slice(swapped, new long[] {-1, -1}, new long[] {Long.MIN_VALUE, Long.MIN_VALUE},
                new long[] {2, 3}, new long[] {-1, -1});
        return convTo(b, dy, flipped, strides, dilations, flippedPads, group, spatial);
    }

    /**
     * ConvTranspose of {@code x} [N, C, h, w] with {@code w} [C, M/group, kh, kw], cropping
     * {@code padsBegin} at the start and whatever exceeds {@code target} at the end (or extending
     * with output_padding), so the output has spatial extents {@code target}.
     */
    static Value convTransposeTo(GraphBuilder b, Value x, Value w, long[] strides, long[] dilations, long[] padsBegin,
                                 long group, long[] target) {
        long[] cropEnd = new long[2];
        long[] outputPadding = new long[2];
        for (int a = 0; a < 2; a++) {
            long in = x.dim(2 + a).size();
            long full = (in - 1) * strides[a] + (w.dim(2 + a).size() - 1) * dilations[a] + 1;
            long excess = full - padsBegin[a] - target[a];
            if (excess >= 0) {
                cropEnd[a] = excess;
            } else if (-excess < strides[a] || -excess < dilations[a]) {
                outputPadding[a] = -excess;
            } else {
                throw new IllegalStateException("no ConvTranspose reaches extent " + target[a] + " from " + in);
            }
        }
        return b.op1("ConvTranspose", List.of(x, w),
                Attr.ints("strides", strides), Attr.ints("dilations", dilations), Attr.i("group", group),
                Attr.ints("pads", padsBegin[0], padsBegin[1], cropEnd[0], cropEnd[1]),
                Attr.ints("output_padding", outputPadding));
    }

    /**
     * The weight gradient of {@code y = Conv(x, W)} (strides, dilations, begin pads, group):
     * dW[m, c, i, j] = Σ_{n,p,q} dy[n, m, p, q] · x[n, g(m)·C/G + c, p·s + i·d − pad, q·s + j·d − pad].
     * For each kernel offset (i, j) the strided window of the padded x is one Slice, and the sum
     * over positions one batched MatMul against dy (K = OH·OW), summed over the batch: GEMMs of
     * a good shape, unlike a Conv with dy as a kernel of extent OH×OW (measured ~4× slower).
     * Memory: one x-sized slice at a time, no im2col buffer.
     */
    static Value weightGrad(GraphBuilder b, Value x, Value dy, long[] strides, long[] dilations, long[] padsBegin,
                            long group, long[] kernel) {
        long channels = x.dim(1).size();
        long outChannels = dy.dim(1).size();
        long[] out = {dy.dim(2).size(), dy.dim(3).size()};
        long positions = out[0] * out[1];
        long[] padsEnd = new long[2];
        for (int a = 0; a < 2; a++) {
            long needed = (out[a] - 1) * strides[a] + (kernel[a] - 1) * dilations[a] + 1 - x.dim(2 + a).size() - padsBegin[a];
            padsEnd[a] = Math.max(0, needed);
        }
        Value padded = padsBegin[0] + padsBegin[1] + padsEnd[0] + padsEnd[1] == 0 ? x
                : b.op1("Pad", List.of(x, b.ints(0, 0, padsBegin[0], padsBegin[1], 0, 0, padsEnd[0], padsEnd[1])));
        // dy as [N, G, OH·OW, M/G]
        Value dyT = b.transpose(b.reshape(dy, 0, group, outChannels / group, positions), 0, 1, 3, 2);
        List<Value> perOffset = new java.util.ArrayList<>();
        for (long i = 0; i < kernel[0]; i++) {
            for (long j = 0; j < kernel[1]; j++) {
                long[] starts = {i * dilations[0], j * dilations[1]};
                long[] ends = {starts[0] + (out[0] - 1) * strides[0] + 1, starts[1] + (out[1] - 1) * strides[1] + 1};
                Value window = b.slice(padded, starts, ends, new long[] {2, 3}, strides);
                Value rows = b.reshape(window, 0, group, channels / group, positions);
                // Σ_n [C/G, OH·OW] · [OH·OW, M/G] per group → [G, C/G, M/G, 1]
                perOffset.add(b.unsqueeze(b.reduceSum(b.matMul(rows, dyT), false, 0), 3));
            }
        }
        Value stacked = b.concat(3, perOffset);                       // [G, C/G, M/G, kh·kw]
        Value ordered = b.transpose(stacked, 0, 2, 1, 3);               // [G, M/G, C/G, kh·kw]
        return b.reshape(ordered, outChannels, channels / group, kernel[0], kernel[1]);
    }
}
