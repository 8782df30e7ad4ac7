package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * The adjoint pieces the Conv, ConvTranspose and pooling rules share, emitted as Conv and
 * ConvTranspose nodes (which ONNX Runtime runs in float and float16, not double). Geometry is
 * static: spatial extents and kernels must be known when the gradient graph is built.
 *
 * <p>Both helpers aim at a target spatial extent instead of repeating the forward's end padding:
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
     * dW[m, c, i, j] = Σ_{n,p,q} dy[n, m, p, q] · x[n, g(m)·C/G + c, p·s + i·d − pad, q·s + j·d − pad],
     * a correlation of x with dy. It runs as one Conv with batch and channels swapped — x becomes
     * [C/G, G·N, H, W] (group-major channels), dy the weight [M, N, OH, OW] — and stride and
     * dilation swapped, which yields [C/G, M, kh, kw]; transposed to W's layout.
     */
    static Value weightGrad(GraphBuilder b, Value x, Value dy, long[] strides, long[] dilations, long[] padsBegin,
                            long group, long[] kernel) {
        long channels = x.dim(1).size();
        long h = x.dim(2).size();
        long w = x.dim(3).size();
        Value xT;
        if (group == 1) {
            xT = b.transpose(x, 1, 0, 2, 3);
        } else {
            long perGroup = channels / group;
            Value split = b.reshape(x, 0, group, perGroup, h, w);
            xT = b.reshape(b.transpose(split, 2, 1, 0, 3, 4), perGroup, -1, h, w);
        }
        Value dyT = b.transpose(dy, 1, 0, 2, 3);
        Value full = convTo(b, xT, dyT, dilations, strides, padsBegin, group, kernel);
        return b.transpose(full, 1, 0, 2, 3);
    }
}
