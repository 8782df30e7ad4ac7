package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.layers.Linear;
import dev.cggm.onnx.models.layers.TransformerEncoder;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes the reference CGGM model as a forward graph. Parameters are graph inputs named as the
 * reference's PyTorch state dicts ({@code MSAModel} for the fused model — {@code proj.<i>},
 * {@code encoders.<i>}, {@code fusion}, {@code proj1}, {@code proj2}, {@code out_layer} — and
 * {@code ClassifierGuided} for the classifiers, whose attribute the reference spells
 * {@code classifers.<i>}), so weights load into the reference unchanged. Modality {@code i} is
 * the i-th of the config.
 *
 * <p>The classifiers read {@linkplain GraphBuilder#detach detached} encoder outputs, so in one
 * differentiated graph the classifier losses reach only classifier parameters and the task loss
 * only the fused model's.
 */
public final class CggmModel {
    /** Which graph to write. */
    public enum Variant {
        /** Data + labels + parameters in; task loss, output, classifier losses and outputs out. */
        TRAINING,
        /** Inference-only: data in, output out; no labels, loss or classifiers. */
        INFERENCE
    }

    /** A written graph, the parameters it declares (in declaration order) and its dropout masks. */
    public record Built(Graph graph, List<ParameterSpec> parameters, List<DropoutMask> dropoutMasks,
                        CggmModelConfig config) {
    }

    private CggmModel() {
    }

    /**
     * @param dropout apply dropout, with masks as graph inputs (training graphs); off for evaluation and inference
     * @param seed    seeds parameter initialisation
     */
    public static Built build(CggmModelConfig cfg, Variant variant, DType dtype, boolean dropout, long seed) {
        GraphBuilder b = new GraphBuilder(variant == Variant.INFERENCE ? "cggm_inference" : "cggm_training");
        ModelScope s = new ModelScope(b, dtype, dropout, seed);
        int d = cfg.projDim();
        Dim batch = Dim.sym(ModelIO.BATCH);

        List<Value> inputs = new ArrayList<>();
        for (Modality m : cfg.modalities()) {
            inputs.add(b.input(m.name(), TensorType.of(dtype, batch, m.seqDim(), Dim.of(m.inputDim()))));
        }
        Value label = variant == Variant.TRAINING
                ? b.input(ModelIO.LABEL, cfg.task() == Task.CLASSIFICATION
                        ? TensorType.of(DType.INT64, batch)
                        : TensorType.of(dtype, batch, Dim.of(1)))
                : null;

        List<Value> encoded = new ArrayList<>();
        for (int i = 0; i < cfg.numModalities(); i++) {
            Modality m = cfg.modalities().get(i);
            try (var scope = b.scope(m.name())) {
                Value projected = projection(s, i, m, inputs.get(i), d);
                encoded.add(TransformerEncoder.apply(s, "encoders." + i, ModelIO.encoderGroup(m.name()),
                        projected, d, cfg.heads(), cfg.layers(), cfg.dropouts()));
            }
        }

        Value output;
        try (var scope = b.scope("fusion")) {
            Value joint = encoded.size() == 1 ? encoded.get(0) : b.concat(1, encoded);
            Value fused = TransformerEncoder.apply(s, "fusion", ModelIO.FUSION_GROUP, joint, d, cfg.heads(),
                    cfg.fusionLayers(), cfg.dropouts());
            Value first = b.gather(fused, b.intScalar(0), 1);                        // [B, d]
            Value h = b.relu(Linear.pytorchDefault(s, "proj1", ModelIO.HEAD_GROUP, first, d, d));
            h = Linear.pytorchDefault(s, "proj2", ModelIO.HEAD_GROUP, s.dropout(h, cfg.dropouts().out()), d, d);
            h = b.add(h, first);
            output = Linear.pytorchDefault(s, "out_layer", ModelIO.HEAD_GROUP, h, d, cfg.outputDim());
        }
        b.output(output, ModelIO.OUTPUT);

        if (variant == Variant.TRAINING) {
            b.output(taskLoss(b, cfg, output, label), ModelIO.LOSS);
            for (int i = 0; i < cfg.numModalities(); i++) {
                Modality m = cfg.modalities().get(i);
                try (var scope = b.scope("classifier_" + m.name())) {
                    Value clsOut = classifier(s, cfg, i, m, b.detach(encoded.get(i)));
                    b.output(clsOut, ModelIO.classifierOutput(m.name()));
                    b.output(taskLoss(b, cfg, clsOut, label), ModelIO.classifierLoss(m.name()));
                }
            }
        }
        return new Built(b.graph(), s.parameters(), s.dropoutMasks(), cfg);
    }

    /** {@code proj.<i>}: a 1×1 Conv1d D → d, i.e. a per-position linear map; weight stored [d, D, 1]. */
    private static Value projection(ModelScope s, int i, Modality m, Value x, int d) {
        GraphBuilder b = s.b();
        String group = ModelIO.projectionGroup(m.name());
        Value w = s.parameter("proj." + i + ".weight", group, Init.pytorchDefault(m.inputDim()), d, m.inputDim(), 1);
        Value bias = s.parameter("proj." + i + ".bias", group, Init.pytorchDefault(m.inputDim()), d);
        return b.linear(x, b.squeeze(w, 2), bias);
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

    private static Value taskLoss(GraphBuilder b, CggmModelConfig cfg, Value output, Value label) {
        return cfg.task() == Task.CLASSIFICATION
                ? b.softmaxCrossEntropy(output, label, null)
                : b.l1Loss(output, label);
    }
}
