package dev.cggm.onnx.graph;

/** A graph that cannot be built, typed, imported or differentiated; the message names the node. */
public class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }

    public GraphException(String message, Throwable cause) {
        super(message, cause);
    }
}
