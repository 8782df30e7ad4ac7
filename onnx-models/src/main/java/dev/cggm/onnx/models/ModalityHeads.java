package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.layers.Linear;
import dev.cggm.onnx.tasks.Tasks;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Per-modality heads without a fusion network ({@code modality-heads}), the architecture IGM
 * (Jiang et al., IJCAI 2025) trains: each modality m has its own encoder and classifier head and
 * the model's prediction is the mean of the heads' class probabilities.
 *
 * <p><b>Encoder.</b> IGM's encoders turn a sample into one pooled vector (a ResNet's global
 * average pool, BERT's [CLS] state) that its head reads. On our pre-extracted [L, D_m] features
 * the trainable part closest to that is a per-position linear map D_m → {@code hidden} followed by
 * the mean over positions. A linear map commutes with the mean, so it is computed as the linear
 * map of the mean, h_m = mean_l(x_l)·Wᵀ + b — the same function, L times cheaper. Every modality
 * gets the same width, so the heads of all modalities have equal shapes, as IGM's gradient
 * projection needs (it matches layers across modalities by weight shape; in the official code both
 * encoders give 512-d features for the same reason).
 *
 * <p><b>Heads.</b> FC(hidden → headWidth) → ReLU → FC(→ bottleneck) → FC(→ C), IGM's classifier,
 * with PyTorch's default initialisation. Their layers are recorded with role {@code head}, their
 * modality and their tapped inputs, so a method finds them by role.
 *
 * <p><b>Output and loss.</b> The fused output is p = (1/M)·Σ_m softmax(z_m): a probability, not
 * logits. Its task loss is therefore the negative log-likelihood of that mixture, −mean log p_y,
 * computed stably from the log-softmaxes as log p = logsumexp_m(log softmax(z_m)) − log M
 * (pairwise, logsumexp(a, b) = max(a, b) + log(1 + e^−|a−b|) with max(a, b) = (a + b + |a − b|)/2).
 * It is written as the classification task's softmax cross-entropy of log p, which equals the NLL
 * because Σ_c p_c = 1 (the softmax of a log-probability is itself). Each head's logits z_m are the
 * modality's own output with the usual cross-entropy as its loss term ({@code unimodal_loss/m},
 * weight 0 unless a method sets it); the fused NLL is the term {@code loss} (weight 1), so joint
 * training on this architecture trains the mixture's likelihood. Classification only: a mean of
 * class probabilities has no regression counterpart, and regression is refused. No dropout (IGM's
 * heads have none).
 *
 * <p>Parameters: {@code encoders.<m>.proj.*} (group {@code encoder/<m>}), {@code heads.<m>.0.*},
 * {@code heads.<m>.2.*}, {@code heads.<m>.3.*} (group {@code head/<m>}; the indices of a PyTorch
 * {@code nn.Sequential} with the ReLU at 1).
 */
public final class ModalityHeads implements Architecture {
    public static final String ID = "modality-heads";
    /** Layer indices of a head, as in a PyTorch Sequential(Linear, ReLU, Linear, Linear). */
    static final int[] HEAD_LAYERS = {0, 2, 3};

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String summary() {
        return "per modality an encoder (linear map of the mean over positions) and a head FC-ReLU-FC-FC; "
                + "the prediction is the mean of the heads' softmax (IGM's model; classification)";
    }

    @Override
    public Set<ModelFeature> features() {
        return EnumSet.of(ModelFeature.FUSED_OUTPUT, ModelFeature.UNIMODAL_OUTPUTS, ModelFeature.EMBEDDINGS,
                ModelFeature.LAYER_INPUTS);
    }

    @Override
    public Class<ModalityHeadsConfig> configType() {
        return ModalityHeadsConfig.class;
    }

    @Override
    public ModalityHeadsConfig configure(ModelRequest r) {
        if (r.faithfulProjection()) {
            throw new IllegalArgumentException("the faithful projection is an option of cggm-reference, not " + ID);
        }
        if (r.task() != Tasks.CLASSIFICATION) {
            throw new IllegalArgumentException("architecture '" + ID + "' averages the heads' class probabilities, so it "
                    + "needs a classification task, not " + r.task().id() + "; use late-fusion or cggm-reference");
        }
        List<Modality> ordered = ModalityOrder.arrange(r.modalities(), r.modalityOrder(), List.of());
        int out = r.task().outputDim(r.numClasses());
        return switch (r.preset()) {
            case "tiny" -> new ModalityHeadsConfig(ordered, r.task(), out, 8, 6, 4);
            case "food101", "iemocap" -> new ModalityHeadsConfig(ordered, r.task(), out, 512, 256, 64);
            default -> throw new IllegalArgumentException("unknown preset '" + r.preset() + "' for " + ID
                    + "; known presets: tiny, food101, iemocap");
        };
    }

    /** The name of a head's layer ({@code heads.<m>.<index>}). */
    public static String headLayer(String modality, int index) {
        return "heads." + modality + "." + index;
    }

    /** The name of a modality's encoder layer. */
    public static String encoderLayer(String modality) {
        return "encoders." + modality + ".proj";
    }

    @Override
    public ModelGraph build(ArchitectureConfig config, ModelGraph.Variant variant, DType dtype, boolean dropout, long seed) {
        ModalityHeadsConfig cfg = (ModalityHeadsConfig) config;
        GraphBuilder b = new GraphBuilder("modality_heads_" + variant.name().toLowerCase());
        ModelScope s = new ModelScope(b, dtype, false, seed);
        Dim batch = Dim.sym(ModelIO.BATCH);
        List<Value> inputs = new ArrayList<>();
        for (Modality mod : cfg.modalities()) {
            inputs.add(b.input(mod.name(), TensorType.of(dtype, batch, mod.seqDim(), Dim.of(mod.inputDim()))));
        }
        Value label = variant.hasTargets() ? b.input(ModelIO.LABEL, cfg.task().targetType(batch, dtype)) : null;
        ModelGraph g = new ModelGraph(s, variant, cfg, label);

        List<Value> probabilities = new ArrayList<>();
        List<Value> logProbabilities = new ArrayList<>();
        for (int i = 0; i < cfg.numModalities(); i++) {
            Modality mod = cfg.modalities().get(i);
            String m = mod.name();
            try (var scope = b.scope(m)) {
                Value pooled = b.reduceMean(inputs.get(i), false, 1);                              // [B, D_m]
                String enc = encoderLayer(m);
                Value h = Linear.pytorchDefault(s, enc, ModelIO.encoderGroup(m), pooled, mod.inputDim(), cfg.hidden());
                g.addLayer(LayerSpec.of(enc, LayerRole.ENCODER, m, mod.inputDim(), cfg.hidden()), pooled);
                g.setEmbedding(m, () -> h);
                Value z = head(s, g, m, h, cfg);                                                    // [B, C]
                if (variant.hasTargets()) {
                    g.setModalityOutput(m, z, cfg.task().loss(b, z, label));
                    logProbabilities.add(b.logSoftmax(z, 1));
                } else {
                    g.setModalityOutput(m, z, null);
                }
                probabilities.add(b.softmax(z, 1));
            }
        }
        g.setOutput(b.scale(b.sum(probabilities), 1.0 / cfg.numModalities()));
        if (variant.hasTargets()) {
            g.setLoss(cfg.task().loss(b, logMeanExp(b, logProbabilities), label));
        }
        if (variant == ModelGraph.Variant.TRAINING) {
            g.addLossTerm(ModelIO.LOSS, g.loss(), 1.0);
            for (String m : cfg.modalityNames()) {
                g.addLossTerm(ModelIO.unimodalLoss(m), g.modalityLoss(m), 0.0);
            }
        }
        return g;
    }

    /** FC → ReLU → FC → FC, each linear layer recorded with its role, modality and input. */
    private static Value head(ModelScope s, ModelGraph g, String m, Value h, ModalityHeadsConfig cfg) {
        GraphBuilder b = s.b();
        int[] widths = {cfg.hidden(), cfg.headWidth(), cfg.bottleneck(), cfg.outputDim()};
        Value x = h;
        for (int k = 0; k < HEAD_LAYERS.length; k++) {
            String name = headLayer(m, HEAD_LAYERS[k]);
            Value y = Linear.pytorchDefault(s, name, ModelIO.headGroup(m), x, widths[k], widths[k + 1]);
            g.addLayer(LayerSpec.of(name, LayerRole.HEAD, m, widths[k], widths[k + 1]), x);
            x = k == 0 ? b.relu(y) : y;
        }
        return x;
    }

    /** log((1/M)·Σ exp(a_m)) elementwise, folded pairwise with the stable two-term logsumexp. */
    static Value logMeanExp(GraphBuilder b, List<Value> terms) {
        Value acc = terms.get(0);
        for (int k = 1; k < terms.size(); k++) {
            Value a = acc;
            Value c = terms.get(k);
            Value gap = b.abs(b.sub(a, c));
            Value max = b.scale(b.add(b.add(a, c), gap), 0.5);
            acc = b.add(max, b.log(b.add(b.scalarLike(1.0, gap), b.exp(b.neg(gap)))));
        }
        return terms.size() == 1 ? acc : b.sub(acc, b.scalarLike(Math.log(terms.size()), acc));
    }
}
