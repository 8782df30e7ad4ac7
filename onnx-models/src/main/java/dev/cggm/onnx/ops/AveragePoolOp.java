package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.List;

/**
 * AveragePool (opset 11), 2-D: strides, pads or auto_pad, ceil_mode, count_include_pad (opset 17
 * has no dilations). y = (Σ of a window's inputs) / divisor, so dx = ConvTranspose of dy/divisor
 * with a depthwise all-ones kernel. The divisor is the kernel area when every window is full
 * or padding counts and no window overhangs; otherwise (padding not counted, or ceil_mode) it is
 * taken from ONNX Runtime itself: 1/divisor = AveragePool(1)/SumPool(1) over a ones image, with
 * SumPool(1) the count of real inputs under each window — whatever rule the kernel applies to
 * border windows. Float only on ONNX Runtime's CPU provider.
 */
final class AveragePoolOp implements OpDefinition {
    @Override
    public String opType() {
        return "AveragePool";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        if (ctx.node().hasAttr("dilations")) {
            throw ctx.error("AveragePool has no dilations before opset 19");
        }
        return List.of(PoolTyping.output(ctx));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value x = ctx.input(0);
        for (int a = 1; a < 4; a++) {
            if (!x.dim(a).isKnown()) {
                throw ctx.error("the gradient needs static channel and spatial extents, got X " + x.shape());
            }
        }
        Window2d window = Window2d.pool(ctx.node());
        long channels = x.dim(1).size();
        long[] spatial = {x.dim(2).size(), x.dim(3).size()};
        long[] outSpatial = {window.outputSize(0, spatial[0]), window.outputSize(1, spatial[1])};
        long[] pads = window.pads(spatial[0], spatial[1]);
        long[] padsBegin = {pads[0], pads[1]};
        long[] ones = {1, 1};
        Value scaled;
        boolean padded = pads[0] + pads[1] + pads[2] + pads[3] > 0;
        boolean countsPad = ctx.node().attrInt("count_include_pad", 0) != 0;
        if (!window.ceilMode && (countsPad || !padded)) {
            scaled = b.scale(dy, 1.0 / (window.kernel[0] * window.kernel[1]));
        } else {
            Value image = b.constantOfShape(b.ints(1, 1, spatial[0], spatial[1]), 1, x.dtype());
            Value unitKernel = b.constantOfShape(b.ints(1, 1, window.kernel[0], window.kernel[1]), 1, x.dtype());
            Value counts = ConvGradients.convTo(b, image, unitKernel, window.strides, ones, padsBegin, 1, outSpatial);
            Value averages = b.op1("AveragePool", List.of(image), ctx.node().attributes().toArray(
                    ai.onnx.proto.OnnxMl.AttributeProto[]::new));
            scaled = b.mul(dy, b.div(averages, counts));
        }
        Value depthwiseOnes = b.constantOfShape(b.ints(channels, 1, window.kernel[0], window.kernel[1]), 1, x.dtype());
        ctx.addInputGrad(0, ConvGradients.convTransposeTo(b, scaled, depthwiseOnes, window.strides, ones, padsBegin,
                channels, spatial));
    }
}
