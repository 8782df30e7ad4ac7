package dev.cggm.onnx.compose;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Tensors;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a model of ai.onnx opset 11 or 12 for opset 17, so it can share one graph with models
 * written at 17 (an ONNX model has one version per domain). Only the ops whose meaning changed in
 * between are rewritten: Squeeze, Unsqueeze, Split and ReduceSum take their axes (split sizes) as
 * an input from 13 on; Softmax, LogSoftmax and Hardmax work on one axis from 13 on instead of the
 * flattened trailing axes — kept when the input's rank says the axis is the last one, otherwise
 * wrapped as Flatten → op(axis 1) → Reshape back, which is the opset-11 definition. Ops known to
 * mean the same at 17 pass unchanged; any other op is an error naming it, rather than a model
 * that computes something else. Other domains (e.g. com.microsoft) are left alone.
 */
public final class OpsetUpgrade {
    public static final int TARGET = 17;

    /** ai.onnx ops whose definitions at 13–17 accept every opset-11/12 use unchanged (types widened at most). */
    private static final Set<String> UNCHANGED = Set.of(
            "Abs", "Add", "And", "ArgMax", "ArgMin", "Cast", "Ceil", "Clip", "Concat", "Constant", "ConstantOfShape",
            "DequantizeLinear", "Div", "DynamicQuantizeLinear", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor",
            "Gather", "GatherElements", "Gemm", "Greater", "Identity", "Less", "Log", "MatMul", "MatMulInteger",
            "Max", "Mean", "Min", "Mul", "Neg", "NonZero", "Not", "Or", "Pad", "Pow", "QuantizeLinear", "Range",
            "Reciprocal", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "Relu", "Reshape",
            "Shape", "Sigmoid", "Sign", "Slice", "Sqrt", "Sub", "Sum", "Tanh", "Tile", "Transpose", "Where");
    private static final Set<String> AXES_TO_INPUT = Set.of("Squeeze", "Unsqueeze", "ReduceSum");
    private static final Set<String> SOFTMAX_FAMILY = Set.of("Softmax", "LogSoftmax", "Hardmax");

    private OpsetUpgrade() {
    }

    /** The ai.onnx opset version a model imports (0 when none). */
    public static long opset(ModelProto m) {
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 0;
    }

    /**
     * The model at opset {@value #TARGET}; unchanged when it is already there.
     *
     * @throws GraphException naming the op when the model uses one this cannot carry over
     */
    public static ModelProto toTarget(ModelProto model) {
        long from = opset(model);
        if (from == TARGET) {
            return model;
        }
        if (from < 11 || from > TARGET) {
            throw new GraphException("cannot bring a model of ai.onnx opset " + from + " to opset " + TARGET
                    + " (supported: 11 to " + TARGET + ")");
        }
        Map<String, Integer> ranks = new HashMap<>();
        for (ValueInfoProto v : model.getGraph().getValueInfoList()) {
            rank(v, ranks);
        }
        model.getGraph().getInputList().forEach(v -> rank(v, ranks));
        model.getGraph().getOutputList().forEach(v -> rank(v, ranks));

        GraphProto g = model.getGraph();
        GraphProto.Builder out = g.toBuilder().clearNode();
        int[] fresh = {0};
        for (NodeProto n : g.getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                out.addNode(n);
                continue;
            }
            String op = n.getOpType();
            if (from < 13 && AXES_TO_INPUT.contains(op)) {
                out.addNode(attributeToInput(n, "axes", out, fresh));
            } else if (from < 13 && op.equals("Split")) {
                out.addNode(attributeToInput(n, "split", out, fresh));
            } else if (from < 13 && SOFTMAX_FAMILY.contains(op)) {
                softmax(n, ranks, out, fresh);
            } else if (UNCHANGED.contains(op) || (from >= 13 && (AXES_TO_INPUT.contains(op) || op.equals("Split")
                    || SOFTMAX_FAMILY.contains(op)))) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getType() == AttributeProto.AttributeType.GRAPH || a.getType() == AttributeProto.AttributeType.GRAPHS) {
                        throw new GraphException("node " + n.getName() + " (" + op + ") has a subgraph; not supported");
                    }
                }
                out.addNode(n);
            } else {
                throw new GraphException("cannot bring op " + op + " (node '" + n.getName() + "') from opset " + from
                        + " to " + TARGET + ": its definition may have changed in between");
            }
        }
        ModelProto.Builder m = model.toBuilder().setGraph(out).clearOpsetImport();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            boolean onnx = o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx");
            m.addOpsetImport(onnx ? o.toBuilder().setVersion(TARGET).build() : o);
        }
        if (m.getIrVersion() < 8) {
            m.setIrVersion(8);
        }
        return m.build();
    }

    private static void rank(ValueInfoProto v, Map<String, Integer> ranks) {
        if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
            ranks.put(v.getName(), v.getType().getTensorType().getShape().getDimCount());
        }
    }

    /** Moves an ints attribute into a new int64 initializer input (absent attribute: input left out). */
    private static NodeProto attributeToInput(NodeProto n, String attr, GraphProto.Builder g, int[] fresh) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        long[] values = null;
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(attr)) {
                values = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            } else {
                b.addAttribute(a);
            }
        }
        if (values != null) {
            String name = uniqueName(n, attr, fresh);
            TensorProto t = Tensors.longs(name, new long[] {values.length}, values);
            g.addInitializer(t);
            while (b.getInputCount() < 1) {
                b.addInput("");
            }
            if (b.getInputCount() == 1) {
                b.addInput(name);
            } else {
                b.setInput(1, name);
            }
        }
        return b.build();
    }

    private static void softmax(NodeProto n, Map<String, Integer> ranks, GraphProto.Builder g, int[] fresh) {
        long axis = 1;   // the opset-11 default
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("axis")) {
                axis = a.getI();
            }
        }
        Integer rank = ranks.get(n.getInput(0));
        if (axis == -1 || (rank != null && axis == rank - 1)) {
            g.addNode(n);
            return;
        }
        String flat = uniqueName(n, "flat", fresh);
        String soft = uniqueName(n, "soft", fresh);
        String shape = uniqueName(n, "shape", fresh);
        g.addNode(NodeProto.newBuilder().setName(flat).setOpType("Flatten").addInput(n.getInput(0)).addOutput(flat)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis)));
        g.addNode(NodeProto.newBuilder().setName(soft).setOpType(n.getOpType()).addInput(flat).addOutput(soft)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(NodeProto.newBuilder().setName(shape).setOpType("Shape").addInput(n.getInput(0)).addOutput(shape));
        g.addNode(NodeProto.newBuilder().setName(n.getName()).setOpType("Reshape").addInput(soft).addInput(shape)
                .addAllOutput(n.getOutputList()));
    }

    private static String uniqueName(NodeProto n, String what, int[] fresh) {
        return "opset_upgrade/" + (n.getName().isEmpty() ? n.getOpType() : n.getName()) + "/" + what + "_" + fresh[0]++;
    }
}
