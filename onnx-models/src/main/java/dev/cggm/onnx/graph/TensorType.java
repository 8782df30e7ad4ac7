package dev.cggm.onnx.graph;

/** Element type and shape of a tensor value. */
public record TensorType(DType dtype, Shape shape) {
    public static TensorType of(DType dtype, Dim... dims) {
        return new TensorType(dtype, Shape.of(dims));
    }

    public static TensorType of(DType dtype, long... sizes) {
        return new TensorType(dtype, Shape.of(sizes));
    }

    public int rank() {
        return shape.rank();
    }

    public TensorType withShape(Shape s) {
        return new TensorType(dtype, s);
    }

    public TensorType withDtype(DType d) {
        return new TensorType(d, shape);
    }

    @Override
    public String toString() {
        return dtype.name().toLowerCase() + shape;
    }
}
