package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.ConvSpec;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.PoolSpec;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.tasks.Tasks;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The multimodal U-Net ({@code multimodal-unet}) for CGGM on segmentation: a compact stand-in for
 * the CGGM code's four DeepLabV3+ backbones with a shared decoder, laid out the same way.
 * <ul>
 *   <li>Per modality (one channel: a store modality [H, W] read as [1, H, W]) an encoder of
 *       {@code levels} blocks — block = ({@code convs} × 3×3 conv, group norm, ReLU) — with 2×2
 *       max pooling between them; its last level, after dropout, is the bottleneck.</li>
 *   <li>The shared decoder reads the modalities' bottlenecks concatenated; per finer level a 2×2
 *       stride-2 transposed convolution, concatenation with every modality's encoder features of
 *       that level (the skips), a block; then a 1×1 convolution to the class scores
 *       [batch, C, H, W] — the head's output layer ({@link LayerRole#HEAD_OUT}).</li>
 *   <li>One auxiliary decoder per modality (CGGM's classifiers), the same structure over that
 *       modality's <em>detached</em> bottleneck and skips, so its loss trains only itself; its
 *       1×1 output convolution is the modality's {@link LayerRole#AUXILIARY_OUT}.</li>
 * </ul>
 * Parameters: {@code encoders.<m>.levels.<l>.convs.<k>.weight} (no bias, as before a norm) and
 * {@code ….norms.<k>.{weight,bias}} (group {@code encoder/<m>}); {@code decoder.ups.<i>},
 * {@code decoder.blocks.<i>} (group {@code fusion}); {@code decoder.out} (group {@code head});
 * {@code classifiers.<m>.…} the same (group {@code classifier/<m>}). Loss terms: the task loss and
 * each auxiliary decoder's, all weight 1 (the latter reach only their decoder).
 */
public final class MultimodalUNet implements Architecture {
    public static final String ID = "multimodal-unet";
    /** The BraTS modalities in the order of the official h5 volumes' channels. */
    public static final List<String> BRATS_MODALITIES = List.of("flair", "t1ce", "t1", "t2");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String summary() {
        return "segmentation: a U-Net encoder per image modality, a shared decoder over their concatenation with skips, "
                + "one auxiliary decoder per modality";
    }

    @Override
    public Set<ModelFeature> features() {
        return EnumSet.of(ModelFeature.FUSED_OUTPUT, ModelFeature.AUXILIARY_CLASSIFIERS);
    }

    @Override
    public Set<dev.cggm.onnx.tasks.Task> tasks() {
        return Set.of(Tasks.SEGMENTATION);
    }

    @Override
    public Class<MultimodalUNetConfig> configType() {
        return MultimodalUNetConfig.class;
    }

    @Override
    public MultimodalUNetConfig configure(ModelRequest r) {
        if (r.faithfulProjection()) {
            throw new IllegalArgumentException("the faithful projection is an option of cggm-reference, not " + ID);
        }
        if (r.task() != Tasks.SEGMENTATION) {
            throw new IllegalArgumentException(ID + " segments images; the features are for " + r.task().id());
        }
        List<Modality> ordered = ModalityOrder.arrange(r.modalities(), r.modalityOrder(), BRATS_MODALITIES);
        int out = r.task().outputDim(r.numClasses());
        return switch (r.preset()) {
            case "tiny" -> new MultimodalUNetConfig(ordered, r.task(), out, List.of(4, 8), 1, 2, 0.1);
            case "brats" -> new MultimodalUNetConfig(ordered, r.task(), out, List.of(8, 16, 32, 64), 1, 4, 0.1);
            default -> throw new IllegalArgumentException("unknown preset '" + r.preset() + "' for " + ID
                    + "; known presets: tiny, brats");
        };
    }

    @Override
    public ModelGraph build(ArchitectureConfig config, ModelGraph.Variant variant, DType dtype, boolean dropout, long seed) {
        MultimodalUNetConfig cfg = (MultimodalUNetConfig) config;
        GraphBuilder b = new GraphBuilder("multimodal_unet_" + variant.name().toLowerCase());
        ModelScope s = new ModelScope(b, dtype, dropout && variant == ModelGraph.Variant.TRAINING, seed);
        Dim batch = Dim.sym(ModelIO.BATCH);
        Dim h = Dim.of(cfg.height());
        Dim w = Dim.of(cfg.width());
        List<Value> images = new ArrayList<>();
        for (Modality m : cfg.modalities()) {
            images.add(b.input(m.name(), TensorType.of(dtype, batch, h, w)));
        }
        Value label = variant.hasTargets() ? b.input(ModelIO.LABEL, cfg.task().targetType(batch, dtype, h, w)) : null;
        ModelGraph g = new ModelGraph(s, variant, cfg, label);

        int levels = cfg.levels();
        List<List<Value>> features = new ArrayList<>();   // [modality][level]
        for (int i = 0; i < cfg.numModalities(); i++) {
            String m = cfg.modalities().get(i).name();
            try (var scope = b.scope("encoder_" + m)) {
                List<Value> levelsOut = new ArrayList<>();
                Value x = b.unsqueeze(images.get(i), 1);                               // [B, 1, H, W]
                int in = 1;
                for (int l = 0; l < levels; l++) {
                    if (l > 0) {
                        x = b.maxPool2d(x, PoolSpec.window(2));
                    }
                    x = block(s, g, cfg, "encoders." + m + ".levels." + l, ModelIO.encoderGroup(m), LayerRole.ENCODER, m,
                            x, in, cfg.widths().get(l));
                    in = cfg.widths().get(l);
                    levelsOut.add(x);
                }
                levelsOut.set(levels - 1, s.dropout(levelsOut.get(levels - 1), cfg.dropout()));
                features.add(levelsOut);
            }
        }

        try (var scope = b.scope("decoder")) {
            g.setOutput(decoder(s, g, cfg, "decoder", ModelIO.FUSION_GROUP, ModelIO.HEAD_GROUP, LayerRole.HEAD,
                    LayerRole.HEAD_OUT, null, features));
        }
        if (variant.hasTargets()) {
            g.setLoss(cfg.task().loss(b, g.output(), label));
            for (int i = 0; i < cfg.numModalities(); i++) {
                String m = cfg.modalities().get(i).name();
                try (var scope = b.scope("classifier_" + m)) {
                    List<Value> detached = features.get(i).stream().map(b::detach).toList();
                    String group = ModelIO.classifierGroup(m);
                    Value out = decoder(s, g, cfg, "classifiers." + m, group, group, null, LayerRole.AUXILIARY_OUT, m,
                            List.of(detached));
                    g.setAuxiliary(m, out, cfg.task().loss(b, out, label));
                }
            }
            if (variant == ModelGraph.Variant.TRAINING) {
                g.addLossTerm(ModelIO.LOSS, g.loss(), 1.0);
                for (String m : cfg.modalityNames()) {
                    g.addLossTerm(ModelIO.classifierLoss(m), g.modalityLoss(m), 1.0);
                }
            }
        }
        return g;
    }

    /**
     * A decoder over the features of {@code sources} modalities ([modality][level]): their
     * bottlenecks concatenated, then per finer level up-sampling, the skips and a block, then the
     * 1×1 output convolution to class scores (recorded with {@code outRole}; the blocks with
     * {@code blockRole}, or not at all when it is null).
     */
    private static Value decoder(ModelScope s, ModelGraph g, MultimodalUNetConfig cfg, String prefix, String group,
                                 String outGroup, LayerRole blockRole, LayerRole outRole, String modality,
                                 List<List<Value>> sources) {
        GraphBuilder b = s.b();
        int levels = cfg.levels();
        int n = sources.size();
        List<Value> bottlenecks = sources.stream().map(f -> f.get(levels - 1)).toList();
        Value x = n == 1 ? bottlenecks.get(0) : b.concat(1, bottlenecks);
        int channels = n * cfg.widths().get(levels - 1);
        for (int l = levels - 2, i = 0; l >= 0; l--, i++) {
            int width = cfg.widths().get(l);
            String up = prefix + ".ups." + i;
            Value wUp = s.parameter(up + ".weight", group, Init.pytorchDefault((long) width * 4), channels, width, 2, 2);
            Value bUp = s.parameter(up + ".bias", group, Init.pytorchDefault((long) width * 4), width);
            List<Value> parts = new ArrayList<>();
            parts.add(b.convTranspose2d(x, wUp, bUp, ConvSpec.defaults().stride(2)));
            for (List<Value> f : sources) {
                parts.add(f.get(l));
            }
            x = block(s, g, cfg, prefix + ".blocks." + i, group, blockRole, modality, b.concat(1, parts),
                    width + n * width, width);
            channels = width;
        }
        String out = prefix + ".out";
        Value wOut = s.parameter(out + ".weight", outGroup, Init.pytorchDefault(channels), cfg.outputDim(), channels, 1, 1);
        Value bOut = s.parameter(out + ".bias", outGroup, Init.pytorchDefault(channels), cfg.outputDim());
        g.addLayer(LayerSpec.conv(out, outRole, modality, channels, cfg.outputDim(), true));
        return b.conv2d(x, wOut, bOut, ConvSpec.defaults());
    }

    /**
     * {@code convs} × (3×3 convolution without bias, group norm, ReLU): {@code in} → {@code out}
     * channels; its convolutions are recorded with {@code role} (none when null: an auxiliary
     * decoder's inner layers are nobody's business but its own).
     */
    private static Value block(ModelScope s, ModelGraph g, MultimodalUNetConfig cfg, String prefix, String group,
                               LayerRole role, String modality, Value x, int in, int out) {
        GraphBuilder b = s.b();
        int groups = cfg.groupsFor(out);
        for (int k = 0; k < cfg.convs(); k++) {
            int from = k == 0 ? in : out;
            String conv = prefix + ".convs." + k;
            Value w = s.parameter(conv + ".weight", group, Init.kaimingNormal(), out, from, 3, 3);
            if (role != null) {
                g.addLayer(LayerSpec.conv(conv, role, modality, from, out, false));
            }
            Value scale = s.parameter(prefix + ".norms." + k + ".weight", group, Init.ones(), out);
            Value shift = s.parameter(prefix + ".norms." + k + ".bias", group, Init.zeros(), out);
            x = b.relu(b.groupNorm(b.conv2d(x, w, null, ConvSpec.defaults().padding(1)), groups, scale, shift, 1e-5));
        }
        return x;
    }
}
