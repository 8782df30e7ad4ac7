package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;

import java.util.ArrayList;
import java.util.List;

/**
 * Reshape (0 copies the input dimension, -1 is inferred). The target may be a constant or a
 * shape computed in the graph whose dimensions are known symbolically.
 */
final class ReshapeOp extends ReshapeLike {
    ReshapeOp() {
        super("Reshape");
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType x = ctx.input(0);
        List<Dim> target = ctx.knownDims(1);
        if (target == null) {
            TensorType shapeType = ctx.input(1);
            if (shapeType.rank() != 1 || !shapeType.shape().dim(0).isKnown()) {
                throw ctx.error("the target shape must have a known length");
            }
            List<Dim> unknown = new ArrayList<>();
            for (int i = 0; i < shapeType.shape().dim(0).size(); i++) {
                unknown.add(Dim.unknown());
            }
            return List.of(x.withShape(new Shape(unknown)));
        }
        boolean allowZero = ctx.node().attrInt("allowzero", 0) != 0;
        List<Dim> out = new ArrayList<>(target.size());
        int inferred = -1;
        for (int i = 0; i < target.size(); i++) {
            Dim d = target.get(i);
            if (d.isKnown() && d.size() == 0 && !allowZero) {
                out.add(x.shape().dim(i));
            } else if (d.isUnknown() && ctx.constantInts(1) != null && ctx.constantInts(1)[i] == -1) {
                inferred = i;
                out.add(d);
            } else {
                out.add(d);
            }
        }
        if (inferred >= 0) {
            out.set(inferred, inferDim(x.shape(), out, inferred));
        }
        return List.of(x.withShape(new Shape(out)));
    }

    /** The -1 entry: total / product of the others, or a symbol when that cannot be divided out. */
    private static Dim inferDim(Shape in, List<Dim> out, int at) {
        List<Dim> num = new ArrayList<>(in.dims());
        long knownNum = 1;
        long knownDen = 1;
        List<Dim> den = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (i != at) {
                den.add(out.get(i));
            }
        }
        // cancel equal symbolic factors
        for (java.util.Iterator<Dim> it = den.iterator(); it.hasNext(); ) {
            Dim d = it.next();
            if (!d.isKnown() && num.remove(d)) {
                it.remove();
            }
        }
        Dim sym = Dim.of(1);
        for (Dim d : num) {
            if (d.isKnown()) {
                knownNum *= d.size();
            } else {
                sym = sym.times(d);
            }
        }
        for (Dim d : den) {
            if (d.isKnown()) {
                knownDen *= d.size();
            } else {
                return Dim.unknown();
            }
        }
        if (knownDen == 0 || knownNum % knownDen != 0) {
            return Dim.unknown();
        }
        return Dim.of(knownNum / knownDen).times(sym);
    }
}
