package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.Value;

import java.util.Arrays;

/**
 * ConvTranspose (opset 11), 2-D: X [N, C, H, W], W [C, M/group, kh, kw], optional B [M] →
 * Y [N, M, (H−1)·s + (kh−1)·d + 1 + output_padding − pads, …], with strides, pads (or auto_pad),
 * output_padding, dilations and group. The output_shape attribute is refused (give pads and
 * output_padding). It is the adjoint of Conv, so dX = Conv(dY, W) with the same geometry,
 * dW = the Conv weight gradient with the roles of X and dY swapped, dB = Σ dY over batch and
 * space. Float only on ONNX Runtime's CPU provider, like Conv.
 */
final class ConvTransposeOp extends ConvFamily {
    @Override
    public String opType() {
        return "ConvTranspose";
    }

    @Override
    void checkAttributes(InferenceContext ctx, Window2d window) {
        if (ctx.node().hasAttr("output_shape")) {
            throw ctx.error("the output_shape attribute is not supported; give pads and output_padding");
        }
        outputPadding(ctx.node(), window);
    }

    @Override
    Dim outputChannels(Shape weight, long group) {
        return weight.dim(1).times(Dim.of(group));
    }

    @Override
    Dim expectedInputChannels(Shape weight, long group) {
        return weight.dim(0);
    }

    @Override
    long outputExtent(Window2d window, Node node, int axis, long in) {
        return window.transposeOutputSize(axis, in, outputPadding(node, window)[axis]);
    }

    @Override
    long[] padsBegin(Window2d window, Node node, long[] spatial) {
        long[] op = outputPadding(node, window);
        return new long[] {window.transposePads(0, spatial[0], op[0])[0], window.transposePads(1, spatial[1], op[1])[0]};
    }

    @Override
    Value inputGrad(GraphBuilder b, Value dy, Value w, Window2d window, long[] padsBegin, long group, long[] spatial) {
        return ConvGradients.convTo(b, dy, w, window.strides, window.dilations, padsBegin, group, spatial);
    }

    @Override
    Value weightGrad(GraphBuilder b, Value x, Value dy, Window2d window, long[] padsBegin, long group) {
        // y = ConvTranspose(x, W) means x-shaped = Conv(y-shaped, W): W's gradient is that Conv's
        return ConvGradients.weightGrad(b, dy, x, window.strides, window.dilations, padsBegin, group, window.kernel);
    }

    private static long[] outputPadding(Node node, Window2d window) {
        long[] op = node.attrInts("output_padding");
        if (op == null || op.length == 0) {
            return new long[2];
        }
        if (op.length != 2) {
            throw window.error("output_padding must have 2 entries for 2-D, got " + Arrays.toString(op));
        }
        for (int a = 0; a < 2; a++) {
            if (op[a] < 0 || (op[a] >= window.strides[a] && op[a] >= window.dilations[a])) {
                throw window.error("output_padding must be >= 0 and smaller than the stride or the dilation, got "
                        + Arrays.toString(op));
            }
        }
        return op;
    }
}
