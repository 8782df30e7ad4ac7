package dev.cggm.onnx.ops;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What type inference of one node sees: its input types and any statically known input values. */
public final class InferenceContext {
    private final Graph graph;
    private final Node node;
    private final Map<Integer, List<Dim>> knownOutputs = new HashMap<>();

    public InferenceContext(Graph graph, Node node) {
        this.graph = graph;
        this.node = node;
    }

    public Node node() {
        return node;
    }

    public int numInputs() {
        return node.inputs().size();
    }

    public boolean hasInput(int i) {
        return node.hasInput(i);
    }

    public TensorType input(int i) {
        if (!node.hasInput(i)) {
            throw error("input " + i + " is required");
        }
        return graph.type(node.input(i));
    }

    public Shape shape(int i) {
        return input(i).shape();
    }

    /** The integer contents of input {@code i} if it is a constant or a known shape value, else null. */
    public long[] constantInts(int i) {
        if (!node.hasInput(i)) {
            return null;
        }
        TensorProto c = graph.constant(node.input(i));
        if (c != null) {
            // a floating constant (e.g. a scalar factor) holds no integers
            return Tensors.dtype(c).isFloating() ? null : Tensors.toLongs(c);
        }
        List<Dim> known = graph.knownValue(node.input(i));
        if (known != null && known.stream().allMatch(Dim::isKnown)) {
            return known.stream().mapToLong(Dim::size).toArray();
        }
        return null;
    }

    /** The numeric contents of input {@code i} (floating or integer) if it is a constant, else null. */
    public double[] constantValues(int i) {
        if (!node.hasInput(i)) {
            return null;
        }
        TensorProto c = graph.constant(node.input(i));
        return c == null ? null : Tensors.toDoubles(c);
    }

    /** Input {@code i}'s integer contents as dimensions (possibly symbolic), or null if unknown. */
    public List<Dim> knownDims(int i) {
        if (!node.hasInput(i)) {
            return null;
        }
        List<Dim> known = graph.knownValue(node.input(i));
        if (known != null) {
            return known;
        }
        long[] c = constantInts(i);
        if (c == null) {
            return null;
        }
        List<Dim> dims = new ArrayList<>();
        for (long v : c) {
            dims.add(Dim.of(v));
        }
        return dims;
    }

    /** Input {@code i} must be constant; fails naming the node otherwise. */
    public long[] requireConstantInts(int i, String what) {
        long[] v = constantInts(i);
        if (v == null) {
            throw error(what + " (input " + i + ") must be a constant for type inference");
        }
        return v;
    }

    /** Records the statically known contents of integer output {@code i} (shape arithmetic). */
    public void setKnownOutput(int i, List<Dim> dims) {
        knownOutputs.put(i, dims);
    }

    /** Output {@code output} holds the same known integers as input {@code input} (if any). */
    public void propagateKnown(int input, int output) {
        List<Dim> k = knownDims(input);
        if (k != null) {
            setKnownOutput(output, k);
        }
    }

    public Map<Integer, List<Dim>> knownOutputs() {
        return knownOutputs;
    }

    public GraphException error(String message) {
        return new GraphException(node.describe() + ": " + message);
    }
}
