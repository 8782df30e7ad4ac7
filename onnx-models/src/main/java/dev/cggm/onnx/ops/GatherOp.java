package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * Gather along an axis. The gradient scatters dy back with ScatterND(reduction = add) into zeros,
 * so repeated indices accumulate; the gathered axis is moved to the front for the scatter and
 * back afterwards. Negative indices are wrapped first.
 */
final class GatherOp implements OpDefinition {
    @Override
    public String opType() {
        return "Gather";
    }

    @Override
    public List<TensorType> inferTypes(InferenceContext ctx) {
        TensorType data = ctx.input(0);
        TensorType idx = ctx.input(1);
        if (idx.dtype() != DType.INT64 && idx.dtype() != DType.INT32) {
            throw ctx.error("indices must be int32 or int64, got " + idx.dtype());
        }
        int axis = data.shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));
        List<Dim> out = new ArrayList<>(data.shape().dims().subList(0, axis));
        out.addAll(idx.shape().dims());
        out.addAll(data.shape().dims().subList(axis + 1, data.rank()));
        // gathering from a known shape vector keeps the result known
        List<Dim> known = ctx.knownDims(0);
        long[] at = ctx.constantInts(1);
        if (known != null && at != null && data.rank() == 1) {
            List<Dim> picked = new ArrayList<>();
            for (long i : at) {
                int j = (int) (i < 0 ? i + known.size() : i);
                if (j < 0 || j >= known.size()) {
                    throw ctx.error("index " + i + " out of range for " + known.size() + " entries");
                }
                picked.add(known.get(j));
            }
            ctx.setKnownOutput(0, picked);
        }
        return List.of(data.withShape(new Shape(out)));
    }

    @Override
    public void backward(BackwardContext ctx) {
        Value dy = ctx.outputGrad(0);
        if (dy == null || !ctx.needsGrad(0)) {
            return;
        }
        GraphBuilder b = ctx.b();
        Value data = ctx.input(0);
        Value idx = ctx.input(1);
        int r = data.rank();
        int q = idx.rank();
        int axis = data.shape().normalizeAxis((int) ctx.node().attrInt("axis", 0));

        if (idx.dtype() != DType.INT64) {
            idx = b.cast(idx, DType.INT64);
        }
        long[] constant = ctx.constantInts(1);
        boolean nonNegative = constant != null && java.util.Arrays.stream(constant).allMatch(v -> v >= 0);
        if (!nonNegative) {
            Value size = b.gather(b.shape(data), b.intScalar(axis), 0);
            idx = b.where(b.less(idx, b.intScalar(0)), b.add(idx, size), idx);
        }

        // dy: data[:axis] + idx + data[axis+1:]  ->  idx + data[:axis] + data[axis+1:]
        Value updates = dy;
        if (axis > 0 && q > 0) {
            int[] perm = new int[dy.rank()];
            int k = 0;
            for (int i = 0; i < q; i++) {
                perm[k++] = axis + i;
            }
            for (int i = 0; i < axis; i++) {
                perm[k++] = i;
            }
            for (int i = axis + q; i < dy.rank(); i++) {
                perm[k++] = i;
            }
            updates = b.transpose(dy, perm);
        }
        // zeros of data's shape with `axis` moved to the front
        int[] front = new int[r];
        front[0] = axis;
        for (int i = 0, k = 1; i < r; i++) {
            if (i != axis) {
                front[k++] = i;
            }
        }
        Value frontShape = axis == 0 ? b.shape(data)
                : b.gather(b.shape(data), b.ints(java.util.Arrays.stream(front).mapToLong(i -> i).toArray()), 0);
        Value zeros = b.constantOfShape(frontShape, 0, data.dtype());
        Value scattered = b.op1("ScatterND", List.of(zeros, b.unsqueeze(idx, q), updates), Attr.s("reduction", "add"));
        if (axis == 0) {
            ctx.addInputGrad(0, scattered);
            return;
        }
        int[] back = new int[r];
        for (int i = 0; i < r; i++) {
            back[front[i]] = i;
        }
        ctx.addInputGrad(0, b.transpose(scattered, back));
    }
}
