package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

/** Base for elementwise ops over numpy-broadcast inputs. */
abstract class Broadcasting implements OpDefinition {
    private final String opType;

    Broadcasting(String opType) {
        this.opType = opType;
    }

    @Override
    public String opType() {
        return opType;
    }

    /** The broadcast shape of the given inputs. */
    static Shape broadcastShape(InferenceContext ctx, int... inputs) {
        Shape s = ctx.shape(inputs[0]);
        for (int i = 1; i < inputs.length; i++) {
            s = Shape.broadcast(s, ctx.shape(inputs[i]));
        }
        return s;
    }

    /** Output element type; defaults to the first input's. */
    DType outputType(InferenceContext ctx) {
        return ctx.input(0).dtype();
    }

    /** Checks that all value inputs share one element type. */
    void checkSameType(InferenceContext ctx, int... inputs) {
        DType t = ctx.input(inputs[0]).dtype();
        for (int i : inputs) {
            if (ctx.input(i).dtype() != t) {
                throw ctx.error("inputs must share one element type, got " + t + " and " + ctx.input(i).dtype());
            }
        }
    }

    /**
     * Shape arithmetic: when both int64 inputs hold known values (e.g. a dimension read with
     * Shape and Gather), records the elementwise result on the output.
     */
    static void propagateKnown(InferenceContext ctx, BinaryOperator<Dim> op) {
        List<Dim> a = ctx.knownDims(0);
        List<Dim> b = ctx.knownDims(1);
        if (a == null || b == null || ctx.input(0).dtype() != DType.INT64) {
            return;
        }
        int n = Math.max(a.size(), b.size());
        if ((a.size() != n && a.size() != 1) || (b.size() != n && b.size() != 1)) {
            return;
        }
        List<Dim> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(op.apply(a.get(a.size() == 1 ? 0 : i), b.get(b.size() == 1 ? 0 : i)));
        }
        ctx.setKnownOutput(0, out);
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        int[] all = new int[ctx.numInputs()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        checkSameType(ctx, all);
        return List.of(new TensorType(outputType(ctx), broadcastShape(ctx, all)));
    }
}
