package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Value;

/** Sum (n-ary): every operand receives dy, un-broadcast. */
final class SumOp extends Broadcasting {
    SumOp() {
        super("Sum");
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        for (int i = 0; i < ctx.node().inputs().size(); i++) {
            if (ctx.needsGrad(i)) {
                ctx.addBroadcastGrad(i, dy);
            }
        }
    }
}
