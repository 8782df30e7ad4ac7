package dev.cggm.onnx.models.layers;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Dropouts;
import dev.cggm.onnx.models.ModelScope;

/**
 * The pre-LayerNorm transformer encoder of the reference (MulT style): x·√d plus sinusoidal
 * positions, embedding dropout, {@code layers} blocks of [LN → self-attention → dropout →
 * residual; LN → fc1 → ReLU → dropout → fc2 → dropout → residual], final LayerNorm.
 * Parameters are named as the reference's {@code TransformerEncoder} state dict
 * ({@code <name>.layers.<i>.self_attn.in_proj_weight}, {@code .fc1.weight}, {@code .layer_norms.0.weight},
 * {@code <name>.layer_norm.weight}, …). Input and output are [B, L, d].
 */
public final class TransformerEncoder {
    private TransformerEncoder() {
    }

    public static Value apply(ModelScope s, String name, String group, Value x, int d, int heads, int layers,
                              Dropouts p) {
        GraphBuilder b = s.b();
        try (var scope = b.scope(name)) {
            Value h = b.add(b.scale(x, Math.sqrt(d)), SinusoidalPositions.embed(b, x, d));
            h = s.dropout(h, p.embed());
            for (int l = 0; l < layers; l++) {
                h = block(s, name + ".layers." + l, group, h, d, heads, p);
            }
            return LayerNorm.apply(s, name + ".layer_norm", group, h, d);
        }
    }

    private static Value block(ModelScope s, String name, String group, Value x, int d, int heads, Dropouts p) {
        GraphBuilder b = s.b();
        try (var scope = b.scope(name)) {
            Value h = LayerNorm.apply(s, name + ".layer_norms.0", group, x, d);
            h = MultiheadAttention.apply(s, name + ".self_attn", group, h, d, heads, p.attn());
            x = b.add(x, s.dropout(h, p.res()));

            h = LayerNorm.apply(s, name + ".layer_norms.1", group, x, d);
            h = b.relu(Linear.xavier(s, name + ".fc1", group, h, d, 4L * d));
            h = s.dropout(h, p.relu());
            h = Linear.xavier(s, name + ".fc2", group, h, 4L * d, d);
            return b.add(x, s.dropout(h, p.res()));
        }
    }
}
