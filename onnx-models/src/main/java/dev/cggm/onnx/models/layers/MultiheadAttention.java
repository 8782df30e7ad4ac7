package dev.cggm.onnx.models.layers;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.ModelScope;

import java.util.List;

/**
 * Multi-head self-attention with a packed input projection ({@code in_proj_weight} [3d, d],
 * {@code in_proj_bias} [3d]) and {@code out_proj}, as fairseq's and PyTorch's
 * {@code nn.MultiheadAttention} store them. Queries are scaled by head_dim^-½ after the
 * projection; no attention mask (the reference uses none). Batch-major: x is [B, L, d].
 */
public final class MultiheadAttention {
    private MultiheadAttention() {
    }

    public static Value apply(ModelScope s, String name, String group, Value x, long d, int heads, double attnDropout) {
        if (d % heads != 0) {
            throw new GraphException("embedding size " + d + " is not divisible by " + heads + " heads");
        }
        GraphBuilder b = s.b();
        long headDim = d / heads;
        try (var scope = b.scope(name)) {
            Value inW = s.parameter(name + ".in_proj_weight", group, Init.xavierUniform(), 3 * d, d);
            Value inB = s.parameter(name + ".in_proj_bias", group, Init.zeros(), 3 * d);
            Value qkv = b.linear(x, inW, inB);                       // [B, L, 3d]
            List<Value> parts = b.split(qkv, -1, d, d, d);
            Value q = b.scale(parts.get(0), 1.0 / Math.sqrt(headDim));
            Value qh = b.transpose(b.reshape(q, 0, 0, heads, headDim), 0, 2, 1, 3);           // [B, h, L, dh]
            Value kt = b.transpose(b.reshape(parts.get(1), 0, 0, heads, headDim), 0, 2, 3, 1); // [B, h, dh, L]
            Value vh = b.transpose(b.reshape(parts.get(2), 0, 0, heads, headDim), 0, 2, 1, 3); // [B, h, L, dh]
            Value weights = b.softmax(b.matMul(qh, kt), -1);         // [B, h, L, L]
            // dropout's 1/(1-p) is applied to the L-times smaller context instead of the weights
            ModelScope.Masked dropped = s.dropoutUnscaled(weights, attnDropout);
            Value ctx = b.matMul(dropped.value(), vh);                // [B, h, L, dh]
            if (dropped.scale() != 1.0) {
                ctx = b.scale(ctx, dropped.scale());
            }
            Value merged = b.reshape(b.transpose(ctx, 0, 2, 1, 3), 0, 0, d);
            Value outW = s.parameter(name + ".out_proj.weight", group, Init.xavierUniform(), d, d);
            Value outB = s.parameter(name + ".out_proj.bias", group, Init.zeros(), d);
            return b.linear(merged, outW, outB);
        }
    }
}
