package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * What Conv and ConvTranspose share: operands X [N, C, H, W], W (4-D, static kernel), optional
 * bias B of the output channels; the attribute checks; and the backward skeleton (dB = Σ dY over
 * batch and space; dX and dW from the subclass). Only 2-D. The gradient needs static channel and
 * spatial extents (the batch may be symbolic).
 */
abstract class ConvFamily implements OpDefinition {
    /** Output channels from W and group. */
    abstract Dim outputChannels(Shape weight, long group);

    /** Channels of X that W and group expect, or null when W does not say. */
    abstract Dim expectedInputChannels(Shape weight, long group);

    /** Output spatial extent along {@code axis} for a known input extent. */
    abstract long outputExtent(Window2d window, Node node, int axis, long in);

    /** [top, left] of the forward's padding for X's spatial extents. */
    abstract long[] padsBegin(Window2d window, Node node, long[] spatial);

    abstract Value inputGrad(GraphBuilder b, Value dy, Value w, Window2d window, long[] padsBegin, long group, long[] spatial);

    abstract Value weightGrad(GraphBuilder b, Value x, Value dy, Window2d window, long[] padsBegin, long group);

    /** Node-specific attribute checks. */
    void checkAttributes(InferenceContext ctx, Window2d window) {
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        TensorType w = ctx.input(1);
        if (!x.dtype().isFloating() || w.dtype() != x.dtype()) {
            throw ctx.error("X and W must share a floating type, got " + x.dtype() + " and " + w.dtype());
        }
        if (x.rank() != 4 || w.rank() != 4) {
            throw ctx.error("only 2-D convolution is supported: X and W must be 4-D, got " + x.shape() + " and " + w.shape());
        }
        if (!w.shape().dim(2).isKnown() || !w.shape().dim(3).isKnown()) {
            throw ctx.error("W's kernel extents must be static, got " + w.shape());
        }
        Window2d window = window(ctx.node(), w.shape());
        checkAttributes(ctx, window);
        long group = ctx.node().attrInt("group", 1);
        if (group <= 0) {
            throw ctx.error("group must be positive, got " + group);
        }
        Dim c = x.shape().dim(1);
        Dim expected = expectedInputChannels(w.shape(), group);
        if (c.isKnown() && expected != null && expected.isKnown() && c.size() != expected.size()) {
            throw ctx.error("X has " + c + " channels but W " + w.shape() + " with group " + group + " expects " + expected);
        }
        if (c.isKnown() && c.size() % group != 0) {
            throw ctx.error("X's " + c + " channels are not divisible by group " + group);
        }
        Dim m = outputChannels(w.shape(), group);
        if (m.isKnown() && m.size() % group != 0) {
            throw ctx.error("the " + m + " output channels are not divisible by group " + group);
        }
        if (ctx.hasInput(2)) {
            TensorType bias = ctx.input(2);
            if (bias.dtype() != x.dtype() || bias.rank() != 1
                    || (bias.shape().dim(0).isKnown() && m.isKnown() && !bias.shape().dim(0).equals(m))) {
                throw ctx.error("B must be " + x.dtype() + " [" + m + "], got " + bias);
            }
        }
        Dim[] spatial = new Dim[2];
        for (int a = 0; a < 2; a++) {
            Dim in = x.shape().dim(2 + a);
            spatial[a] = in.isKnown() ? Dim.of(outputExtent(window, ctx.node(), a, in.size())) : Dim.unknown();
        }
        return List.of(x.withShape(Shape.of(x.shape().dim(0), m, spatial[0], spatial[1])));
    }

    private static Window2d window(Node node, Shape weight) {
        return Window2d.conv(node, weight.dim(2).size(), weight.dim(3).size());
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        Value w = ctx.input(1);
        for (int a = 1; a < 4; a++) {
            if (!x.dim(a).isKnown()) {
                throw ctx.error("the gradient needs static channel and spatial extents, got X " + x.shape());
            }
        }
        if (!w.shape().isStatic()) {
            throw ctx.error("the gradient needs a static W shape, got " + w.shape());
        }
        Window2d window = window(ctx.node(), w.shape());
        long group = ctx.node().attrInt("group", 1);
        long[] spatial = {x.dim(2).size(), x.dim(3).size()};
        long[] padsBegin = padsBegin(window, ctx.node(), spatial);
        if (ctx.needsGrad(0)) {
            ctx.addInputGrad(0, inputGrad(b, dy, w, window, padsBegin, group, spatial));
        }
        if (ctx.needsGrad(1)) {
            ctx.addInputGrad(1, weightGrad(b, x, dy, window, padsBegin, group));
        }
        if (ctx.hasInput(2) && ctx.needsGrad(2)) {
            ctx.addInputGrad(2, b.reduceSum(dy, false, 0, 2, 3));
        }
    }
}
