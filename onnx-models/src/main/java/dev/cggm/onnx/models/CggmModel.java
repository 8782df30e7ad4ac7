package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.layers.Linear;
import dev.cggm.onnx.models.layers.TransformerEncoder;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The reference CGGM model ({@code cggm-reference}) as a forward graph. Parameters are graph
 * inputs named as the reference's PyTorch state dicts ({@code MSAModel} for the fused model —
 * {@code proj.<i>}, {@code encoders.<i>}, {@code fusion}, {@code proj1}, {@code proj2},
 * {@code out_layer} — and {@code ClassifierGuided} for the classifiers, whose attribute the
 * reference spells {@code classifers.<i>}), so weights load into the reference unchanged.
 * Modality {@code i} is the i-th of the config; the head reads position 0 of the fused
 * sequence, i.e. the first position of the first modality.
 *
 * <p>The classifiers read {@linkplain GraphBuilder#detach detached} encoder outputs, so in one
 * differentiated graph the classifier losses reach only classifier parameters and the task loss
 * only the fused model's. They are each modality's own output here (per-modality accuracy).
 */
public final class CggmModel implements Architecture {
    public static final String ID = "cggm-reference";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String summary() {
        return "the reference CGGM transformer (MulT-style encoders, fusion encoder, residual head, "
                + "one auxiliary classifier per modality)";
    }

    @Override
    public Set<ModelFeature> features() {
        return EnumSet.of(ModelFeature.FUSED_OUTPUT, ModelFeature.AUXILIARY_CLASSIFIERS, ModelFeature.EMBEDDINGS);
    }

    @Override
    public Class<CggmModelConfig> configType() {
        return CggmModelConfig.class;
    }

    @Override
    public CggmModelConfig configure(ModelRequest r) {
        CggmModelConfig cfg = Presets.get(r.preset());
        if (cfg.task() != r.task()) {
            throw new IllegalArgumentException("preset '" + r.preset() + "' is a " + cfg.task().id()
                    + " model but the features are for " + r.task().id());
        }
        if (cfg.numModalities() != r.modalities().size()) {
            throw new IllegalArgumentException("preset '" + r.preset() + "' has " + cfg.numModalities() + " modalities ("
                    + String.join(", ", cfg.modalityNames()) + ") but the features have " + r.modalities().size() + " ("
                    + String.join(", ", r.modalities().stream().map(Modality::name).toList())
                    + "); choose a preset with " + r.modalities().size() + " modalities");
        }
        // the preset's order (food101: image, then text, as the official FoodModel) whatever the store lists
        List<Modality> ordered = ModalityOrder.arrange(r.modalities(), r.modalityOrder(), cfg.modalityNames());
        return cfg.withModalities(ordered).withOutputDim(r.task().outputDim(r.numClasses()))
                .withFaithfulProjection(r.faithfulProjection());
    }

    @Override
    public ModelGraph build(ArchitectureConfig config, ModelGraph.Variant variant, DType dtype, boolean dropout,
                            long seed) {
        CggmModelConfig cfg = (CggmModelConfig) config;
        GraphBuilder b = new GraphBuilder(variant == ModelGraph.Variant.INFERENCE ? "cggm_inference" : "cggm_training");
        ModelScope s = new ModelScope(b, dtype, dropout && variant == ModelGraph.Variant.TRAINING, seed);
        int d = cfg.projDim();
        Dim batch = Dim.sym(ModelIO.BATCH);

        List<Value> inputs = new ArrayList<>();
        for (Modality m : cfg.modalities()) {
            inputs.add(b.input(m.name(), TensorType.of(dtype, batch, m.seqDim(), Dim.of(m.inputDim()))));
        }
        Value label = variant.hasTargets()
                ? b.input(ModelIO.LABEL, cfg.task().targetType(batch, dtype))
                : null;
        ModelGraph g = new ModelGraph(s, variant, cfg, label);

        List<Value> encoded = new ArrayList<>();
        Value[] projection0 = null;
        for (int i = 0; i < cfg.numModalities(); i++) {
            Modality m = cfg.modalities().get(i);
            try (var scope = b.scope(m.name())) {
                Value[] own = projection(s, i, m, d);
                // faithful: every modality through the first one's projection, as the official Food-101
                // code sends text through projv; the modality's own projection stays declared, unused
                Value[] used = cfg.faithfulProjection() && i > 0 ? projection0 : own;
                if (i == 0) {
                    projection0 = own;
                }
                Value projected = b.linear(inputs.get(i), b.squeeze(used[0], 2), used[1]);
                Value enc = TransformerEncoder.apply(s, "encoders." + i, ModelIO.encoderGroup(m.name()),
                        projected, d, cfg.heads(), cfg.layers(), cfg.dropouts());
                encoded.add(enc);
                g.setEmbedding(m.name(), () -> b.gather(enc, b.intScalar(0), 1));
            }
        }

        try (var scope = b.scope("fusion")) {
            Value joint = encoded.size() == 1 ? encoded.get(0) : b.concat(1, encoded);
            Value fused = TransformerEncoder.apply(s, "fusion", ModelIO.FUSION_GROUP, joint, d, cfg.heads(),
                    cfg.fusionLayers(), cfg.dropouts());
            Value first = b.gather(fused, b.intScalar(0), 1);                        // [B, d]
            Value h = b.relu(Linear.pytorchDefault(s, "proj1", ModelIO.HEAD_GROUP, first, d, d));
            g.addLayer(LayerSpec.of("proj1", LayerRole.HEAD, null, d, d), first);
            Value hd = s.dropout(h, cfg.dropouts().out());
            h = Linear.pytorchDefault(s, "proj2", ModelIO.HEAD_GROUP, hd, d, d);
            g.addLayer(LayerSpec.of("proj2", LayerRole.HEAD, null, d, d), hd);
            h = b.add(h, first);
            g.setOutput(Linear.pytorchDefault(s, "out_layer", ModelIO.HEAD_GROUP, h, d, cfg.outputDim()));
            g.addLayer(LayerSpec.of("out_layer", LayerRole.HEAD_OUT, null, d, cfg.outputDim()), h);
        }

        if (variant.hasTargets()) {
            g.setLoss(cfg.task().loss(b, g.output(), label));
            for (int i = 0; i < cfg.numModalities(); i++) {
                Modality m = cfg.modalities().get(i);
                try (var scope = b.scope("classifier_" + m.name())) {
                    Value clsOut = classifier(s, cfg, i, m, b.detach(encoded.get(i)));
                    g.addLayer(LayerSpec.of("classifers." + i + ".out_layer", LayerRole.AUXILIARY_OUT, m.name(), d,
                            cfg.outputDim()));
                    g.setAuxiliary(m.name(), clsOut, cfg.task().loss(b, clsOut, label));
                }
            }
            if (variant == ModelGraph.Variant.TRAINING) {
                g.addLossTerm(ModelIO.LOSS, g.loss(), 1.0);
                for (Modality m : cfg.modalities()) {
                    g.addLossTerm(ModelIO.classifierLoss(m.name()), g.modalityLoss(m.name()), 1.0);
                }
            }
        }
        return g;
    }

    /**
     * {@code proj.<i>}: a 1×1 Conv1d D → d, i.e. a per-position linear map; weight stored [d, D, 1].
     * Returns the weight and bias.
     */
    private static Value[] projection(ModelScope s, int i, Modality m, int d) {
        String group = ModelIO.projectionGroup(m.name());
        Value w = s.parameter("proj." + i + ".weight", group, Init.pytorchDefault(m.inputDim()), d, m.inputDim(), 1);
        Value bias = s.parameter("proj." + i + ".bias", group, Init.pytorchDefault(m.inputDim()), d);
        return new Value[] {w, bias};
    }

    /**
     * The reference classifier: encoder → first position → proj1 → ReLU(proj1(·)) (the same
     * layer twice, as the reference writes it) → out_layer.
     */
    private static Value classifier(ModelScope s, CggmModelConfig cfg, int i, Modality m, Value h) {
        GraphBuilder b = s.b();
        int d = cfg.projDim();
        String prefix = "classifers." + i;
        String group = ModelIO.classifierGroup(m.name());
        Value x = TransformerEncoder.apply(s, prefix + ".bone", group, h, d, cfg.heads(), cfg.classifierLayers(),
                cfg.dropouts());
        x = b.gather(x, b.intScalar(0), 1);
        Value w1 = s.parameter(prefix + ".proj1.weight", group, Init.pytorchDefault(d), d, d);
        Value b1 = s.parameter(prefix + ".proj1.bias", group, Init.pytorchDefault(d), d);
        x = b.relu(b.linear(b.linear(x, w1, b1), w1, b1));
        return Linear.pytorchDefault(s, prefix + ".out_layer", group, x, d, cfg.outputDim());
    }
}
