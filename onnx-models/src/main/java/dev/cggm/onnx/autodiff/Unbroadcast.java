package dev.cggm.onnx.autodiff;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * Sums a gradient over the axes along which an operand was broadcast, so it gets the operand's
 * shape back. Decided from the static shapes where they settle it (known extents, or the same
 * symbol on both sides); otherwise computed at run time from the two shapes.
 */
public final class Unbroadcast {
    private Unbroadcast() {
    }

    /** {@code grad} (the broadcast result's shape) reduced to {@code operand}'s shape. */
    public static Value toShapeOf(GraphBuilder b, Value grad, Value operand) {
        int lead = grad.rank() - operand.rank();
        if (lead < 0) {
            throw new IllegalArgumentException("gradient " + grad + " has lower rank than operand " + operand);
        }
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < lead; i++) {
            axes.add((long) i);
        }
        for (int i = 0; i < operand.rank(); i++) {
            Dim od = operand.dim(i);
            Dim gd = grad.dim(lead + i);
            if (od.equals(gd) || (od.isKnown() && od.size() != 1)) {
                continue; // same extent: nothing to sum
            }
            if (od.isOne()) {
                if (!gd.isOne()) {
                    axes.add((long) (lead + i));
                }
                continue;
            }
            // a symbol against another extent: equal to it, or 1 and broadcast — only the run
            // time knows (type inference keeps the known extent either way)
            return dynamic(b, grad, operand);
        }
        if (axes.isEmpty()) {
            return grad;
        }
        long[] all = axes.stream().mapToLong(Long::longValue).toArray();
        Value summed = b.reduceSum(grad, true, all);
        if (lead == 0) {
            return summed;
        }
        long[] leading = new long[lead];
        for (int i = 0; i < lead; i++) {
            leading[i] = i;
        }
        return b.squeeze(summed, leading);
    }

    /** Run-time version: reduce where the operand's (left-padded) extent is 1 and the gradient's is not. */
    private static Value dynamic(GraphBuilder b, Value grad, Value operand) {
        int lead = grad.rank() - operand.rank();
        Value opShape = b.shape(operand);
        if (lead > 0) {
            long[] ones = new long[lead];
            java.util.Arrays.fill(ones, 1);
            opShape = b.concat(0, b.ints(ones), opShape);
        }
        Value gradShape = b.shape(grad);
        Value one = b.ints(1);
        Value reduce = b.and(b.equal(opShape, one), b.not(b.equal(gradShape, one)));
        Value axes = b.squeeze(b.nonZero(reduce), 0);
        Value summed = b.op1("ReduceSum", List.of(grad, axes), Attr.i("keepdims", 1), Attr.i("noop_with_empty_axes", 1));
        return b.reshape(summed, b.shape(operand));
    }
}
