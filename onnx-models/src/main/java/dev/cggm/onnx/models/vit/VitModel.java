package dev.cggm.onnx.models.vit;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.ModelScope;
import dev.cggm.onnx.models.ParameterSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An inference-only Vision Transformer with the interface of a HuggingFace ViT ONNX export:
 * input {@code pixel_values} float [batch, 3, H, W], output {@code last_hidden_state} float
 * [batch, 1 + patches, D]. Architecture as HF's {@code ViTModel} (no pooler): patch embedding
 * (a stride-P convolution, written as Reshape/Transpose/MatMul over non-overlapping patches),
 * CLS token, learned position embeddings, pre-LayerNorm blocks [LN → self-attention (separate
 * query/key/value projections) → residual; LN → dense → GELU (erf form) → dense → residual],
 * final LayerNorm. Parameter names are HF's state-dict names
 * ({@code embeddings.patch_embeddings.projection.weight}, {@code encoder.layer.0.attention.attention.query.weight},
 * …), so the same builder can be checked against (or filled from) a PyTorch ViT.
 *
 * <p>Weights are drawn from a seeded generator as HF initialises a fresh ViT (every dense and
 * convolution weight, the CLS token and the position embeddings N(0, 0.02²) truncated at ±2σ;
 * biases 0; LayerNorm 1/0) and baked into the graph as initializers. This is <b>not</b> a
 * pretrained encoder: it exists so that the pipeline has a deterministic image encoder of the
 * right interface where no pretrained ViT can be downloaded. Real use brings a pretrained export
 * (e.g. {@code google/vit-base-patch16-224} exported with Optimum).
 */
public final class VitModel {
    public static final String INPUT = "pixel_values";
    public static final String OUTPUT = "last_hidden_state";
    /** Standard deviation of HF's ViT initialiser ({@code initializer_range}). */
    public static final double INIT_STD = 0.02;

    private VitModel() {
    }

    /** The graph (parameters baked in) and the parameter values it holds. */
    public record Built(Graph graph, List<ParameterSpec> parameters, VitConfig config) {
        /** The serialized ONNX model. */
        public byte[] toBytes() {
            return OnnxModels.toBytes(graph);
        }
    }

    /** Builds the model with weights drawn from {@code seed}. */
    public static Built build(VitConfig cfg, long seed) {
        GraphBuilder b = new GraphBuilder("vit");
        ModelScope s = new ModelScope(b, DType.FLOAT, false, seed);
        Value pixels = b.input(INPUT, DType.FLOAT, Dim.sym("batch"), Dim.of(cfg.channels()),
                Dim.of(cfg.imageSize()), Dim.of(cfg.imageSize()));
        Value h = embeddings(s, cfg, pixels);
        for (int i = 0; i < cfg.layers(); i++) {
            h = block(s, cfg, "encoder.layer." + i, h);
        }
        h = layerNorm(s, cfg, "layernorm", h);
        b.output(h, OUTPUT);

        Graph g = b.graph();
        Map<String, TensorProto> values = new LinkedHashMap<>();
        for (ParameterSpec p : s.parameters()) {
            values.put(p.name(), Tensors.floats(p.name(), p.shape(), p.initial()));
        }
        g.bindInputs(values);
        g.metadata().put("cggm.model", "vit");
        g.metadata().put("cggm.vit.config", cfg.toString());
        g.metadata().put("cggm.vit.seed", Long.toString(seed));
        return new Built(g, s.parameters(), cfg);
    }

    /**
     * A HuggingFace {@code preprocessor_config.json} for this model: resize to the input size
     * (bilinear), rescale by 1/255, normalise with mean = std = 0.5 per channel (HF's ViT default).
     */
    public static String preprocessorConfigJson(VitConfig cfg) {
        return String.format(Locale.ROOT, """
                {
                  "image_processor_type": "ViTImageProcessor",
                  "do_resize": true,
                  "size": {"height": %d, "width": %d},
                  "resample": 2,
                  "do_rescale": true,
                  "rescale_factor": 0.00392156862745098,
                  "do_normalize": true,
                  "image_mean": [0.5, 0.5, 0.5],
                  "image_std": [0.5, 0.5, 0.5]
                }
                """, cfg.imageSize(), cfg.imageSize());
    }

    private static Value embeddings(ModelScope s, VitConfig cfg, Value pixels) {
        GraphBuilder b = s.b();
        int p = cfg.patchSize();
        int g = cfg.grid();
        int c = cfg.channels();
        long d = cfg.hidden();
        try (var scope = b.scope("embeddings")) {
            // [B, C, g·P, g·P] → [B, C, g, P, g, P] → [B, g, g, C, P, P] → [B, g², C·P·P]
            Value x = b.reshape(pixels, 0, c, g, p, g, p);
            x = b.transpose(x, 0, 2, 4, 1, 3, 5);
            x = b.reshape(x, 0, (long) g * g, (long) c * p * p);
            // Conv2d weight [D, C, P, P] flattened to [D, C·P·P] in the same (c, y, x) order
            Value w = s.parameter("embeddings.patch_embeddings.projection.weight", "vit", truncNormal(), d, c, p, p);
            Value bias = s.parameter("embeddings.patch_embeddings.projection.bias", "vit", Init.zeros(), d);
            Value patches = b.linear(x, b.reshape(w, d, (long) c * p * p), bias);            // [B, g², D]

            Value cls = s.parameter("embeddings.cls_token", "vit", truncNormal(), 1, 1, d);
            Value batch = b.slice(b.shape(pixels), new long[] {0}, new long[] {1}, new long[] {0});
            Value clsRows = b.expand(cls, b.concat(0, batch, b.ints(1, d)));                 // [B, 1, D]
            Value tokens = b.concat(1, clsRows, patches);                                    // [B, 1+g², D]
            Value pos = s.parameter("embeddings.position_embeddings", "vit", truncNormal(), 1, cfg.sequenceLength(), d);
            return b.add(tokens, pos);
        }
    }

    private static Value block(ModelScope s, VitConfig cfg, String name, Value x) {
        GraphBuilder b = s.b();
        long d = cfg.hidden();
        try (var scope = b.scope(name)) {
            Value h = layerNorm(s, cfg, name + ".layernorm_before", x);
            h = attention(s, cfg, name + ".attention", h);
            x = b.add(x, h);
            h = layerNorm(s, cfg, name + ".layernorm_after", x);
            h = gelu(b, dense(s, name + ".intermediate.dense", h, d, cfg.intermediate()));
            h = dense(s, name + ".output.dense", h, cfg.intermediate(), d);
            return b.add(x, h);
        }
    }

    private static Value attention(ModelScope s, VitConfig cfg, String name, Value x) {
        GraphBuilder b = s.b();
        long d = cfg.hidden();
        int heads = cfg.heads();
        long dh = cfg.headDim();
        Value q = dense(s, name + ".attention.query", x, d, d);
        Value k = dense(s, name + ".attention.key", x, d, d);
        Value v = dense(s, name + ".attention.value", x, d, d);
        Value qh = b.transpose(b.reshape(b.scale(q, 1.0 / Math.sqrt(dh)), 0, 0, heads, dh), 0, 2, 1, 3); // [B,h,L,dh]
        Value kt = b.transpose(b.reshape(k, 0, 0, heads, dh), 0, 2, 3, 1);                             // [B,h,dh,L]
        Value vh = b.transpose(b.reshape(v, 0, 0, heads, dh), 0, 2, 1, 3);                             // [B,h,L,dh]
        Value probs = b.softmax(b.matMul(qh, kt), -1);
        Value ctx = b.reshape(b.transpose(b.matMul(probs, vh), 0, 2, 1, 3), 0, 0, d);
        return dense(s, name + ".output.dense", ctx, d, d);
    }

    private static Value dense(ModelScope s, String name, Value x, long in, long out) {
        Value w = s.parameter(name + ".weight", "vit", truncNormal(), out, in);
        Value bias = s.parameter(name + ".bias", "vit", Init.zeros(), out);
        return s.b().linear(x, w, bias);
    }

    private static Value layerNorm(ModelScope s, VitConfig cfg, String name, Value x) {
        Value w = s.parameter(name + ".weight", "vit", Init.ones(), cfg.hidden());
        Value bias = s.parameter(name + ".bias", "vit", Init.zeros(), cfg.hidden());
        return s.b().layerNorm(x, w, bias, -1, cfg.layerNormEps());
    }

    /** GELU, exact (erf) form: 0.5·x·(1 + erf(x/√2)). */
    private static Value gelu(GraphBuilder b, Value x) {
        Value inner = b.add(b.scalarLike(1, x), b.erf(b.scale(x, 1 / Math.sqrt(2))));
        return b.mul(b.scale(x, 0.5), inner);
    }

    /** N(0, {@link #INIT_STD}²) truncated to ±2σ by rejection. */
    private static Init truncNormal() {
        return (values, shape, rng) -> {
            for (int i = 0; i < values.length; i++) {
                double z;
                do {
                    z = rng.nextGaussian();
                } while (Math.abs(z) > 2);
                values[i] = (float) (z * INIT_STD);
            }
        };
    }
}
