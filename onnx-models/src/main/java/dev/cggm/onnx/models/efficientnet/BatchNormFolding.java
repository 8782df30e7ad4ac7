package dev.cggm.onnx.models.efficientnet;

/**
 * Folds an inference-mode BatchNorm into the convolution before it: with
 * {@code s = γ / √(var + ε)}, {@code conv(x, W)·s + (β − mean·s)} equals
 * {@code conv(x, W·s) + (β − mean·s)}, so the BatchNorm disappears from the graph. Computed in
 * double and rounded once.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** The folded convolution: weight in the input's layout [out, in/groups, kh, kw], bias [out]. */
    public record Folded(float[] weight, float[] bias) {
    }

    /**
     * @param weight convolution weight, row-major with {@code gamma.length} output channels first
     * @param bias   the convolution's own bias, or null
     */
    public static Folded fold(float[] weight, float[] bias, float[] gamma, float[] beta, float[] mean, float[] var,
                              double eps) {
        int out = gamma.length;
        if (beta.length != out || mean.length != out || var.length != out || (bias != null && bias.length != out)
                || weight.length % out != 0) {
            throw new IllegalArgumentException("BatchNorm of " + out + " channels does not fit a weight of "
                    + weight.length + " values");
        }
        int per = weight.length / out;
        float[] w = new float[weight.length];
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            double s = gamma[o] / Math.sqrt(var[o] + (double) eps);
            for (int i = 0; i < per; i++) {
                w[o * per + i] = (float) (weight[o * per + i] * s);
            }
            double b0 = bias == null ? 0 : bias[o];
            b[o] = (float) (beta[o] + (b0 - mean[o]) * s);
        }
        return new Folded(w, b);
    }
}
