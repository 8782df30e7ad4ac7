package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A typed ONNX graph under construction: inputs, initializers, nodes in topological order and
 * outputs, with the inferred type of every value. Values listed in {@link #stopGradient()} are
 * detached: autodiff lets no gradient flow through them (ONNX has no such op, so the set travels
 * in the model's metadata).
 */
public final class Graph {
    /** Metadata key under which {@link #stopGradient()} is stored in a model file. */
    public static final String STOP_GRADIENT_METADATA = "cggm.stop_gradient";
    /** The ai.onnx opset our graphs declare. */
    public static final int OPSET = 17;

    private String name;
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, TensorType> types = new HashMap<>();
    private final Map<String, List<Dim>> knownValues = new HashMap<>();
    private final Map<String, Node> producers = new HashMap<>();
    private final Set<String> stopGradient = new LinkedHashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public Graph(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** Declares a graph input. */
    public Value addInput(String inputName, TensorType type) {
        defineValue(inputName, type);
        inputs.add(inputName);
        return new Value(inputName, type);
    }

    /** Adds a constant (or, in an inference model, a baked parameter). */
    public Value addInitializer(TensorProto tensor) {
        TensorType type = new TensorType(Tensors.dtype(tensor), Tensors.shapeOf(tensor));
        defineValue(tensor.getName(), type);
        initializers.put(tensor.getName(), tensor);
        if (type.dtype() == DType.INT64 && type.rank() <= 1 && Tensors.numElements(tensor) <= 16) {
            List<Dim> dims = new ArrayList<>();
            for (long v : Tensors.toLongs(tensor)) {
                dims.add(v >= 0 ? Dim.of(v) : Dim.unknown());
            }
            knownValues.put(tensor.getName(), dims);
        }
        return new Value(tensor.getName(), type);
    }

    /** Appends a node whose output types are already known. */
    public void addNode(Node node, List<TensorType> outputTypes) {
        for (int i = 0; i < node.outputs().size(); i++) {
            String out = node.outputs().get(i);
            if (!out.isEmpty()) {
                defineValue(out, outputTypes.get(i));
                producers.put(out, node);
            }
        }
        nodes.add(node);
    }

    /** Replaces a node in place (same position), e.g. to request an optional output. */
    public void replaceNode(Node old, Node replacement, List<TensorType> outputTypes) {
        int idx = nodes.indexOf(old);
        if (idx < 0) {
            throw new GraphException("node '" + old.name() + "' is not in graph '" + name + "'");
        }
        nodes.set(idx, replacement);
        for (int i = 0; i < replacement.outputs().size(); i++) {
            String out = replacement.outputs().get(i);
            if (!out.isEmpty()) {
                types.put(out, outputTypes.get(i));
                producers.put(out, replacement);
            }
        }
    }

    private void defineValue(String valueName, TensorType type) {
        if (valueName.isEmpty()) {
            throw new GraphException("empty value name in graph '" + name + "'");
        }
        if (types.containsKey(valueName)) {
            throw new GraphException("value '" + valueName + "' is defined twice in graph '" + name + "'");
        }
        types.put(valueName, type);
    }

    /** Marks a graph output. */
    public void addOutput(String valueName) {
        requireValue(valueName);
        if (!outputs.contains(valueName)) {
            outputs.add(valueName);
        }
    }

    public boolean hasValue(String valueName) {
        return types.containsKey(valueName);
    }

    public TensorType type(String valueName) {
        requireValue(valueName);
        return types.get(valueName);
    }

    /**
     * Narrows the recorded type of a value to one known to be at least as precise (same element
     * type and rank), e.g. a gradient known to have its parameter's shape.
     */
    public void refineType(String valueName, TensorType refined) {
        TensorType current = type(valueName);
        if (current.dtype() != refined.dtype() || current.rank() != refined.rank()) {
            throw new GraphException("cannot refine '" + valueName + "' from " + current + " to " + refined);
        }
        types.put(valueName, refined);
    }

    public Value value(String valueName) {
        return new Value(valueName, type(valueName));
    }

    private void requireValue(String valueName) {
        if (!types.containsKey(valueName)) {
            throw new GraphException("graph '" + name + "' has no value named '" + valueName + "'");
        }
    }

    /** The node producing {@code valueName}, or null for inputs and initializers. */
    public Node producer(String valueName) {
        return producers.get(valueName);
    }

    /** The constant behind a value (initializer or Constant node), or null if it is not constant. */
    public TensorProto constant(String valueName) {
        TensorProto init = initializers.get(valueName);
        if (init != null) {
            return init;
        }
        Node p = producers.get(valueName);
        if (p != null && p.opType().equals("Constant") && p.hasAttr("value")) {
            return p.attrTensor("value");
        }
        return null;
    }

    /** Statically known contents of a small int64 tensor (a shape being computed), or null. */
    public List<Dim> knownValue(String valueName) {
        return knownValues.get(valueName);
    }

    public void setKnownValue(String valueName, List<Dim> dims) {
        knownValues.put(valueName, List.copyOf(dims));
    }

    /** Input value names in order. */
    public List<String> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<Value> inputValues() {
        return inputs.stream().map(this::value).toList();
    }

    public List<String> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    public List<Value> outputValues() {
        return outputs.stream().map(this::value).toList();
    }

    public Map<String, TensorProto> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public Set<String> stopGradient() {
        return Collections.unmodifiableSet(stopGradient);
    }

    /** Detaches a value: autodiff passes no gradient through it. */
    public void markStopGradient(String valueName) {
        requireValue(valueName);
        stopGradient.add(valueName);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Nodes reading each value. */
    public Map<String, List<Node>> consumers() {
        Map<String, List<Node>> c = new HashMap<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    c.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return c;
    }

    /** Removes inputs, outputs, initializers (keeps types of remaining values). */
    public void removeInput(String inputName) {
        inputs.remove(inputName);
    }

    public void removeInitializer(String initName) {
        initializers.remove(initName);
    }

    public void clearOutputs() {
        outputs.clear();
    }

    /**
     * Cuts the graph at a value: the node producing it is removed and the value becomes a graph
     * input of the same type (e.g. to hold a detached value constant in a finite-difference check).
     */
    public void promoteToInput(String valueName) {
        requireValue(valueName);
        Node producer = producers.get(valueName);
        if (producer == null) {
            throw new GraphException("'" + valueName + "' is not produced by a node of graph '" + name + "'");
        }
        if (producer.outputs().stream().filter(o -> !o.isEmpty()).count() != 1) {
            throw new GraphException("cannot cut at '" + valueName + "': its node has several outputs");
        }
        nodes.remove(producer);
        producers.remove(valueName);
        inputs.add(valueName);
    }

    /** Replaces the node list (transforms that drop nodes); producers are rebuilt. */
    public void setNodes(List<Node> newNodes) {
        nodes.clear();
        producers.clear();
        for (Node n : newNodes) {
            nodes.add(n);
            for (String out : n.outputs()) {
                if (!out.isEmpty()) {
                    producers.put(out, n);
                }
            }
        }
    }

    /** Inputs become initializers holding the given tensors (in input order, before others). */
    public void bindInputs(Map<String, TensorProto> values) {
        for (Map.Entry<String, TensorProto> e : values.entrySet()) {
            if (!inputs.remove(e.getKey())) {
                throw new GraphException("cannot bind '" + e.getKey() + "': not an input of graph '" + name + "'");
            }
            TensorProto t = Tensors.renamed(e.getValue(), e.getKey());
            TensorType declared = types.get(e.getKey());
            if (declared.dtype() != Tensors.dtype(t) || declared.rank() != t.getDimsCount()) {
                throw new GraphException("cannot bind '" + e.getKey() + "': declared " + declared
                        + ", tensor is " + Tensors.dtype(t) + Tensors.shapeOf(t));
            }
            initializers.put(e.getKey(), t);
        }
    }

    /** A deep copy (nodes and tensors are immutable, so they are shared). */
    public Graph copy() {
        Graph g = new Graph(name);
        g.inputs.addAll(inputs);
        g.outputs.addAll(outputs);
        g.initializers.putAll(initializers);
        g.nodes.addAll(nodes);
        g.types.putAll(types);
        g.knownValues.putAll(knownValues);
        g.producers.putAll(producers);
        g.stopGradient.addAll(stopGradient);
        g.metadata.putAll(metadata);
        return g;
    }
}
