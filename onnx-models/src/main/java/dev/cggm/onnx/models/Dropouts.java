package dev.cggm.onnx.models;

/**
 * Dropout rates of the reference model: embedding, attention weights, after the ReLU of the
 * feed-forward block, on residual branches, and in the output head.
 */
public record Dropouts(double embed, double attn, double relu, double res, double out) {
    public static final Dropouts NONE = new Dropouts(0, 0, 0, 0, 0);

    public Dropouts {
        for (double r : new double[] {embed, attn, relu, res, out}) {
            if (r < 0 || r >= 1) {
                throw new IllegalArgumentException("dropout rates must be in [0, 1), got " + r);
            }
        }
    }
}
