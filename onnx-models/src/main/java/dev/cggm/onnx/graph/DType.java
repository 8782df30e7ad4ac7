package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.TensorProto;

/** Element types the graph builder and autodiff understand, with their ONNX codes. */
public enum DType {
    FLOAT(TensorProto.DataType.FLOAT, 4, true),
    DOUBLE(TensorProto.DataType.DOUBLE, 8, true),
    FLOAT16(TensorProto.DataType.FLOAT16, 2, true),
    INT64(TensorProto.DataType.INT64, 8, false),
    INT32(TensorProto.DataType.INT32, 4, false),
    INT8(TensorProto.DataType.INT8, 1, false),
    UINT8(TensorProto.DataType.UINT8, 1, false),
    BOOL(TensorProto.DataType.BOOL, 1, false);

    private final TensorProto.DataType onnx;
    private final int byteSize;
    private final boolean floating;

    DType(TensorProto.DataType onnx, int byteSize, boolean floating) {
        this.onnx = onnx;
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** The ONNX {@code TensorProto.DataType} of this element type. */
    public TensorProto.DataType onnx() {
        return onnx;
    }

    /** The ONNX integer code (as used in {@code Cast}'s {@code to} attribute). */
    public int code() {
        return onnx.getNumber();
    }

    public int byteSize() {
        return byteSize;
    }

    /** Whether values of this type can carry gradients. */
    public boolean isFloating() {
        return floating;
    }

    /** The element type for an ONNX data-type code. */
    public static DType fromCode(int code) {
        for (DType t : values()) {
            if (t.code() == code) {
                return t;
            }
        }
        throw new GraphException("unsupported ONNX element type code " + code
                + " (supported: float, double, float16, int64, int32, int8, uint8, bool)");
    }
}
