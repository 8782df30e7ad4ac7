package dev.cggm.onnx.graph;

/** A named tensor in a graph, with its inferred type. Builder methods take and return these. */
public record Value(String name, TensorType type) {
    public Shape shape() {
        return type.shape();
    }

    public DType dtype() {
        return type.dtype();
    }

    public int rank() {
        return type.rank();
    }

    public Dim dim(int axis) {
        return type.shape().dim(axis);
    }

    @Override
    public String toString() {
        return name + ":" + type;
    }
}
