package dev.cggm.onnx.ops;

/** Not: boolean, no gradient. */
final class NotOp extends Unary {
    NotOp() {
        super("Not");
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
