package dev.cggm.onnx.ops;

/** Sign: piecewise constant, so no gradient flows (PyTorch gives 0 as well). */
final class SignOp extends Unary {
    SignOp() {
        super("Sign");
    }

    @Override
    public Gradient gradient() {
        return Gradient.NONE;
    }
}
