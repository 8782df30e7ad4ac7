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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The late-fusion architecture ({@code late-fusion}) the BalanceBenchmark methods are defined
 * on: an encoder per modality giving a feature h_m, a linear head over their concatenation, and
 * each modality's unimodal logits from its slice of that head (see {@link LateFusionConfig}).
 * Parameters: {@code encoders.<m>.proj.*} and {@code encoders.<m>.blocks.*} (group
 * {@code encoder/<m>}), {@code out_layer.*} (group {@code head}). Loss terms: the fused loss
 * (weight 1) and each modality's unimodal loss (weight 0 unless a method sets it).
 */
public final class LateFusion implements Architecture {
    public static final String ID = "late-fusion";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String summary() {
        return "an encoder per modality (linear map, transformer blocks, mean over positions) and a linear head over "
                + "their concatenation; unimodal logits from the head's slices";
    }

    @Override
    public Set<ModelFeature> features() {
        return EnumSet.of(ModelFeature.FUSED_OUTPUT, ModelFeature.UNIMODAL_OUTPUTS, ModelFeature.EMBEDDINGS,
                ModelFeature.LAYER_INPUTS);
    }

    @Override
    public Class<LateFusionConfig> configType() {
        return LateFusionConfig.class;
    }

    @Override
    public LateFusionConfig configure(ModelRequest r) {
        if (r.faithfulProjection()) {
            throw new IllegalArgumentException("the faithful projection is an option of cggm-reference, not late-fusion");
        }
        List<Modality> ordered = ModalityOrder.arrange(r.modalities(), r.modalityOrder(), List.of());
        int out = r.task().outputDim(r.numClasses());
        return switch (r.preset()) {
            case "tiny" -> new LateFusionConfig(ordered, r.task(), out, 8, 2, 1, 0.1);
            case "food101", "mosi", "iemocap" -> new LateFusionConfig(ordered, r.task(), out, 64, 4, 1, 0.1);
            default -> throw new IllegalArgumentException("unknown preset '" + r.preset() + "' for late-fusion; known presets: "
                    + "tiny, food101, mosi, iemocap");
        };
    }

    @Override
    public ModelGraph build(ArchitectureConfig config, ModelGraph.Variant variant, DType dtype, boolean dropout, long seed) {
        LateFusionConfig cfg = (LateFusionConfig) config;
        GraphBuilder b = new GraphBuilder("late_fusion_" + variant.name().toLowerCase());
        ModelScope s = new ModelScope(b, dtype, dropout && variant == ModelGraph.Variant.TRAINING, seed);
        int d = cfg.hidden();
        int m = cfg.numModalities();
        Dim batch = Dim.sym(ModelIO.BATCH);
        List<Value> inputs = new ArrayList<>();
        for (Modality mod : cfg.modalities()) {
            inputs.add(b.input(mod.name(), TensorType.of(dtype, batch, mod.seqDim(), Dim.of(mod.inputDim()))));
        }
        Value label = variant.hasTargets() ? b.input(ModelIO.LABEL, cfg.task().targetType(batch, dtype)) : null;
        ModelGraph g = new ModelGraph(s, variant, cfg, label);

        List<Value> features = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            Modality mod = cfg.modalities().get(i);
            String name = "encoders." + mod.name();
            String group = ModelIO.encoderGroup(mod.name());
            try (var scope = b.scope(mod.name())) {
                Value x = inputs.get(i);
                Value h = Linear.pytorchDefault(s, name + ".proj", group, x, mod.inputDim(), d);
                g.addLayer(LayerSpec.of(name + ".proj", LayerRole.ENCODER, mod.name(), mod.inputDim(), d), x);
                if (cfg.layers() > 0) {
                    h = TransformerEncoder.apply(s, name + ".blocks", group, h, d, cfg.heads(), cfg.layers(), cfg.dropouts());
                }
                Value pooled = b.reduceMean(h, false, 1);                                 // [B, d]
                g.setEmbedding(mod.name(), () -> pooled);
                features.add(s.dropout(pooled, cfg.dropout()));
            }
        }

        Map<String, List<Integer>> slices = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) {
            slices.put(cfg.modalities().get(i).name(), List.of(i * d, (i + 1) * d));
        }
        Value joint = m == 1 ? features.get(0) : b.concat(1, features);                    // [B, M·d]
        Value w = s.parameter("out_layer.weight", ModelIO.HEAD_GROUP, Init.pytorchDefault((long) m * d), cfg.outputDim(),
                (long) m * d);
        Value bias = s.parameter("out_layer.bias", ModelIO.HEAD_GROUP, Init.pytorchDefault((long) m * d), cfg.outputDim());
        g.setOutput(b.linear(joint, w, bias));
        g.addLayer(new LayerSpec("out_layer", "out_layer.weight", "out_layer.bias", LayerRole.HEAD_OUT, null, m * d,
                cfg.outputDim(), slices), joint);

        // unimodal logits: each modality's slice of the head, with 1/M of its bias (they sum to the output)
        Value sharedBias = b.scale(bias, 1.0 / m);
        for (int i = 0; i < m; i++) {
            String mod = cfg.modalities().get(i).name();
            Value slice = b.slice(w, new long[] {(long) i * d}, new long[] {(long) (i + 1) * d}, new long[] {1});
            Value z = b.linear(features.get(i), slice, sharedBias);
            g.setModalityOutput(mod, z, variant.hasTargets() ? cfg.task().loss(b, z, label) : null);
        }
        if (variant.hasTargets()) {
            g.setLoss(cfg.task().loss(b, g.output(), label));
        }
        if (variant == ModelGraph.Variant.TRAINING) {
            g.addLossTerm(ModelIO.LOSS, g.loss(), 1.0);
            for (String mod : cfg.modalityNames()) {
                g.addLossTerm(ModelIO.unimodalLoss(mod), g.modalityLoss(mod), 0.0);
            }
        }
        return g;
    }
}
