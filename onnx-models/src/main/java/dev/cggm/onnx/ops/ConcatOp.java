package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/** Concat: dy is split back into the pieces' extents along the axis (one Split node). */
final class ConcatOp implements OpDefinition {
    @Override
    public String opType() {
        return "Concat";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType first = ctx.input(0);
        int axis = first.shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));
        Dim total = Dim.of(0);
        List<Dim> dims = new ArrayList<>(first.shape().dims());
        List<Dim> known = new ArrayList<>();
        boolean allKnown = true;
        for (int i = 0; i < ctx.numInputs(); i++) {
            TensorType t = ctx.input(i);
            if (t.rank() != first.rank() || t.dtype() != first.dtype()) {
                throw ctx.error("input " + i + " is " + t + ", expected " + first.dtype() + " of rank " + first.rank());
            }
            for (int d = 0; d < t.rank(); d++) {
                if (d != axis) {
                    try {
                        dims.set(d, Shape.broadcast(Shape.of(dims.get(d)), Shape.of(t.shape().dim(d))).dim(0));
                    } catch (GraphException e) {
                        throw ctx.error("inputs disagree on axis " + d + ": " + first.shape() + " vs " + t.shape());
                    }
                }
            }
            total = total.plus(t.shape().dim(axis));
            List<Dim> k = ctx.knownDims(i);
            if (k == null) {
                allKnown = false;
            } else {
                known.addAll(k);
            }
        }
        dims.set(axis, total);
        if (allKnown && first.rank() == 1) {
            ctx.setKnownOutput(0, known);
        }
        return List.of(first.withShape(new Shape(dims)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null) {
            return;
        }
        GraphBuilder b = ctx.b();
        int n = ctx.node().inputs().size();
        int axis = dy.shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));
        boolean anyNeeded = false;
        boolean allStatic = true;
        long[] sizes = new long[n];
        for (int i = 0; i < n; i++) {
            anyNeeded |= ctx.needsGrad(i);
            Dim d = ctx.input(i).dim(axis);
            if (d.isKnown()) {
                sizes[i] = d.size();
            } else {
                allStatic = false;
            }
        }
        if (!anyNeeded) {
            return;
        }
        List<Value> pieces;
        if (allStatic) {
            pieces = b.split(dy, axis, sizes);
        } else {
            List<Value> extents = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                extents.add(b.gather(b.shape(ctx.input(i)), b.ints(axis), 0));
            }
            pieces = b.op("Split", List.of(dy, b.concat(0, extents)), n, dev.cggm.onnx.graph.Attr.i("axis", axis));
        }
        for (int i = 0; i < n; i++) {
            if (ctx.needsGrad(i)) {
                ctx.addInputGrad(i, pieces.get(i));
            }
        }
    }
}
