package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operator application. Inputs and outputs are value names; an empty name marks an optional
 * input or output that is not given (as in ONNX).
 */
public final class Node {
    private final String name;
    private final String opType;
    private final String domain;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, AttributeProto> attributes;

    public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                List<AttributeProto> attributes) {
        this.name = name;
        this.opType = opType;
        this.domain = domain == null ? "" : domain;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        Map<String, AttributeProto> map = new LinkedHashMap<>();
        for (AttributeProto a : attributes) {
            map.put(a.getName(), a);
        }
        this.attributes = map;
    }

    public String name() {
        return name;
    }

    public String opType() {
        return opType;
    }

    public String domain() {
        return domain;
    }

    public List<String> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    /** Input {@code i}, or "" when absent. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /** Output {@code i}, or "" when absent. */
    public String output(int i) {
        return i < outputs.size() ? outputs.get(i) : "";
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public boolean hasOutput(int i) {
        return !output(i).isEmpty();
    }

    public List<AttributeProto> attributes() {
        return List.copyOf(attributes.values());
    }

    public boolean hasAttr(String attr) {
        return attributes.containsKey(attr);
    }

    public long attrInt(String attr, long defaultValue) {
        AttributeProto a = attributes.get(attr);
        return a == null ? defaultValue : a.getI();
    }

    public float attrFloat(String attr, float defaultValue) {
        AttributeProto a = attributes.get(attr);
        return a == null ? defaultValue : a.getF();
    }

    public String attrString(String attr, String defaultValue) {
        AttributeProto a = attributes.get(attr);
        return a == null ? defaultValue : a.getS().toStringUtf8();
    }

    /** An INTS attribute, or null when absent. */
    public long[] attrInts(String attr) {
        AttributeProto a = attributes.get(attr);
        if (a == null) {
            return null;
        }
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** A TENSOR attribute, or null when absent. */
    public TensorProto attrTensor(String attr) {
        AttributeProto a = attributes.get(attr);
        return a == null ? null : a.getT();
    }

    /** A copy with different outputs (used when autodiff asks a node for an optional output). */
    public Node withOutputs(List<String> newOutputs) {
        return new Node(name, opType, domain, inputs, newOutputs, attributes());
    }

    /** A copy with an attribute added or replaced. */
    public Node withAttr(AttributeProto attr) {
        List<AttributeProto> attrs = new ArrayList<>(attributes.values());
        attrs.removeIf(a -> a.getName().equals(attr.getName()));
        attrs.add(attr);
        return new Node(name, opType, domain, inputs, outputs, attrs);
    }

    /** A copy with different inputs. */
    public Node withInputs(List<String> newInputs) {
        return new Node(name, opType, domain, newInputs, outputs, attributes());
    }

    /** "op 'MatMul' (node 'encoders.0/MatMul_3')": how errors name this node. */
    public String describe() {
        return "op '" + opType + "' (node '" + name + "')";
    }

    @Override
    public String toString() {
        return name + " = " + opType + inputs + " -> " + outputs;
    }
}
