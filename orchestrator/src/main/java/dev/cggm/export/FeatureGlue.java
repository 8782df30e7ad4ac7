package dev.cggm.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Value;

import java.util.List;
import java.util.Objects;

/**
 * What the feature store did between an encoder and the trained model, as a graph: pooling (none,
 * position 0, or the mean over the real positions — those the attention mask marks, as the store
 * averages the first {@code text_length} positions), the store's precision (float16 stores round
 * through half precision) and the model's input shape ([batch, 1, D] for pooled features, as the
 * trainer feeds them). Inputs {@code <modality>_hidden} [batch, L, D] (and {@code attention_mask}
 * when a masked mean needs it); outputs named as the modalities.
 */
final class FeatureGlue {
    static final String MASK = "attention_mask";

    /**
     * One modality's step.
     *
     * @param masked whether positions beyond the attention mask are padding (text)
     */
    record Step(String modality, int positions, int width, Pooling pooling, boolean masked) {
        Step {
            Objects.requireNonNull(pooling);
        }

        String input() {
            return modality + "_hidden";
        }
    }

    private FeatureGlue() {
    }

    static ModelProto build(List<Step> steps, Precision precision) {
        GraphBuilder b = new GraphBuilder("feature_glue");
        Dim batch = Dim.sym("batch");
        Value mask = null;
        for (Step s : steps) {
            if (s.masked() && s.pooling() == Pooling.MEAN && mask == null) {
                mask = b.input(MASK, DType.INT64, batch, Dim.of(s.positions()));
            }
        }
        for (Step s : steps) {
            Value h = b.input(s.input(), DType.FLOAT, batch, Dim.of(s.positions()), Dim.of(s.width()));
            Value f = switch (s.pooling()) {
                case NONE -> h;
                case CLS -> b.unsqueeze(b.gather(h, b.intScalar(0), 1), 1);
                case MEAN -> b.unsqueeze(s.masked() ? maskedMean(b, h, mask) : b.reduceMean(h, false, 1), 1);
            };
            if (precision == Precision.FLOAT16) {
                f = b.cast(b.cast(f, DType.FLOAT16), DType.FLOAT);
            }
            b.output(f, s.modality());
        }
        return OnnxModels.toProto(b.graph());
    }

    /** Σ h·mask / max(Σ mask, 1) over the positions. */
    private static Value maskedMean(GraphBuilder b, Value h, Value mask) {
        Value m = b.cast(mask, DType.FLOAT);                                       // [B, L]
        Value sum = b.reduceSum(b.mul(h, b.unsqueeze(m, 2)), false, 1);            // [B, D]
        Value count = b.op1("Max", List.of(b.reduceSum(m, true, 1), b.scalarLike(1, m)));   // [B, 1]
        return b.div(sum, count);
    }
}
