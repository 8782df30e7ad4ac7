package dev.cggm.train.method;

import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.config.InvalidOption;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * MMCosine (Xu et al., ICASSP 2023): a cosine head. Each modality's logits are
 * z_m = s·cos(h_m, w_{m,c}) — its feature and each class's weight row over its slice of the head,
 * both L2-normalised — and the model's output is Σ_m z_m, trained with cross-entropy; so no
 * modality wins by the norm of its features or weights alone. The head ({@code cosine_head.weight},
 * [classes, Σ d_m], no bias) is the method's own; the architecture's concat head is reached by
 * no loss, so it is never updated. The
 * modalities' own outputs (their accuracy) are their cosine logits.
 */
public final class MMCosine implements BalancingMethod {
    /**
     * Options of {@link MMCosine}.
     *
     * @param scaling the scale s of the cosine logits
     */
    public record Options(@Doc("scale s of the cosine logits (> 0)") double scaling) implements MethodOptions {
        public Options {
            InvalidOption.positive("scaling", scaling);
        }

        /** BalanceBenchmark's configuration: s = 15. */
        public static Options defaults(String preset) {
            return new Options(15);
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("mmcosine",
            "MMCosine: summed scaled cosine logits of each modality's feature and head slice (Xu et al., ICASSP 2023)",
            Options.class, Options::defaults, List.of(LateFusion.ID), Set.of(ModelFeature.EMBEDDINGS), 2,
            Integer.MAX_VALUE, MMCosine::new);

    static final String HEAD_WEIGHT = "cosine_head.weight";
    /** F.normalize's floor on a norm. */
    private static final double NORM_FLOOR = 1e-12;

    private final Options options;

    MMCosine(Options options, MethodSetup setup) {
        if (setup.task() != Tasks.CLASSIFICATION) {
            throw new InvalidOption("method", "mmcosine makes class logits from cosines; it needs a classification task, "
                    + "not " + setup.task().id());
        }
        this.options = options;
    }

    @Override
    public GraphExtension graph() {
        return this::cosineHead;
    }

    private void cosineHead(ModelGraph g) {
        GraphBuilder b = g.b();
        List<long[]> slices = new ArrayList<>();
        long width = 0;
        for (String m : g.modalities()) {
            var dim = g.embedding(m).dim(1);
            if (!dim.isKnown()) {
                throw new GraphException("mmcosine needs a known feature width for modality '" + m + "'");
            }
            slices.add(new long[] {width, width + dim.size()});
            width += dim.size();
        }
        Value w = g.scope().parameter(HEAD_WEIGHT, ModelIO.HEAD_GROUP, Init.pytorchDefault(width),
                g.config().outputDim(), width);
        List<Value> logits = new ArrayList<>();
        for (int i = 0; i < slices.size(); i++) {
            String m = g.modalities().get(i);
            Value wm = b.slice(w, new long[] {slices.get(i)[0]}, new long[] {slices.get(i)[1]}, new long[] {1});
            Value cos = b.matMul(normalised(b, g.embedding(m)), b.transpose(normalised(b, wm), 1, 0));
            Value z = b.scale(cos, options.scaling());
            logits.add(z);
            g.setModalityOutput(m, z, g.variant().hasTargets() ? g.task().loss(b, z, g.target()) : null);
        }
        Value out = b.sum(logits);
        g.setOutput(out);
        if (g.variant().hasTargets()) {
            g.setLoss(g.task().loss(b, out, g.target()));
        }
    }

    /** Each row divided by its L2 norm (at least 1e-12), as PyTorch's {@code F.normalize(x, dim=1)}. */
    private static Value normalised(GraphBuilder b, Value x) {
        // the floor on the squared norm keeps the gradient of a zero row finite (0, as PyTorch's)
        Value squared = b.reduceSum(b.mul(x, x), true, 1);
        return b.div(x, b.sqrt(b.clip(squared, NORM_FLOOR * NORM_FLOOR, Float.MAX_VALUE)));
    }
}
