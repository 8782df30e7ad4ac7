package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.Value;

/**
 * Conv (opset 11), 2-D: X [N, C, H, W], W [M, C/group, kh, kw], optional B [M] → Y [N, M, OH, OW],
 * with strides, pads or auto_pad, dilations and group (depthwise when group = C). Gradients:
 * dX = ConvTranspose(dY, W) with the same geometry (see {@link ConvGradients#inputGrad}), dW =
 * the correlation of X with dY (see {@link ConvGradients#weightGrad}), dB = Σ dY over batch and
 * space. ONNX Runtime's CPU provider
 * has Conv and ConvTranspose for float only, so a double graph cannot run either direction.
 */
final class ConvOp extends ConvFamily {
    @Override
    public String opType() {
        return "Conv";
    }

    @Override
    Dim outputChannels(Shape weight, long group) {
        return weight.dim(0);
    }

    @Override
    Dim expectedInputChannels(Shape weight, long group) {
        return weight.dim(1).times(Dim.of(group));
    }

    @Override
    long outputExtent(Window2d window, Node node, int axis, long in) {
        return window.outputSize(axis, in);
    }

    @Override
    long[] padsBegin(Window2d window, Node node, long[] spatial) {
        long[] pads = window.pads(spatial[0], spatial[1]);
        return new long[] {pads[0], pads[1]};
    }

    @Override
    Value inputGrad(GraphBuilder b, Value dy, Value w, Window2d window, long[] padsBegin, long group, long[] spatial) {
        return ConvGradients.inputGrad(b, dy, w, window.strides, window.dilations, padsBegin, group, spatial);
    }

    @Override
    Value weightGrad(GraphBuilder b, Value x, Value dy, Window2d window, long[] padsBegin, long group) {
        return ConvGradients.weightGrad(b, x, dy, window.strides, window.dilations, padsBegin, group, window.kernel);
    }
}
