package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Value;

/** What a gradient rule sees while autodiff visits one node in reverse order. */
public interface BackwardContext {
    Node node();

    /** Emits gradient nodes into the training graph. */
    GraphBuilder b();

    /** Forward input {@code i} (must be present). */
    Value input(int i);

    boolean hasInput(int i);

    /** Forward output {@code i}; optional outputs are requested from the node on first use. */
    Value output(int i);

    /** The gradient flowing into output {@code i}, or null if none does. */
    Value outputGrad(int i);

    /** Whether a gradient must be produced for input {@code i}. */
    boolean needsGrad(int i);

    /** Contributes {@code grad} (already of input {@code i}'s shape) to input {@code i}'s gradient. */
    void addInputGrad(int i, Value grad);

    /** Sums {@code grad} over the axes along which input {@code i} was broadcast, then adds it. */
    void addBroadcastGrad(int i, Value grad);

    /** Constant integer contents of input {@code i}, or null. */
    long[] constantInts(int i);

    /** Constant numeric contents (floating or integer) of input {@code i}, or null. */
    double[] constantValues(int i);

    /** An error naming this node. */
    GraphException error(String message);
}
