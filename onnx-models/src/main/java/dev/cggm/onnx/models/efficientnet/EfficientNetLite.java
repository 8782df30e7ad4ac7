package dev.cggm.onnx.models.efficientnet;

import dev.cggm.onnx.graph.ConvSpec;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.torch.TorchCheckpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An EfficientNet-Lite image encoder as an inference ONNX graph, built from a PyTorch state dict
 * (the names of the {@code efficientnet_lite_pytorch} port: {@code _conv_stem}, {@code _bn0},
 * {@code _blocks.N._expand_conv}/{@code _bn0}/{@code _depthwise_conv}/{@code _bn1}/
 * {@code _project_conv}/{@code _bn2}, {@code _conv_head}, {@code _bn1}, {@code _fc}). Every
 * BatchNorm is folded into its convolution ({@link BatchNormFolding}); convolutions pad as
 * TensorFlow's "SAME" (the extra row/column at the bottom/right), computed for the fixed input
 * size as the port's static-padding convolutions do.
 *
 * <p>Interface (HuggingFace image-encoder style): input {@code pixel_values} float
 * [batch, 3, R, R]; outputs {@code last_hidden_state} [batch, S², 1280] (the head's feature map,
 * one token per position, row-major), {@code pooler_output} [batch, 1280] (their mean: the
 * classifier's input) and {@code logits} [batch, 1000] (ImageNet-1k).
 */
public final class EfficientNetLite {
    public static final String INPUT = "pixel_values";
    public static final String OUTPUT = "last_hidden_state";
    public static final String POOLED = "pooler_output";
    public static final String LOGITS = "logits";

    private final GraphBuilder b;
    private final Map<String, TorchCheckpoint.Tensor> weights;
    private final java.util.Set<String> used = new java.util.HashSet<>();

    private EfficientNetLite(GraphBuilder b, Map<String, TorchCheckpoint.Tensor> weights) {
        this.b = b;
        this.weights = weights;
    }

    /**
     * Builds the graph.
     *
     * @throws IllegalArgumentException naming the tensor when the state dict lacks one or its shape differs
     */
    public static Graph build(EfficientNetLiteConfig cfg, Map<String, TorchCheckpoint.Tensor> stateDict) {
        GraphBuilder gb = new GraphBuilder(cfg.name());
        EfficientNetLite m = new EfficientNetLite(gb, stateDict);
        int r = cfg.resolution();
        Value x = gb.input(INPUT, DType.FLOAT, Dim.sym("batch"), Dim.of(3), Dim.of(r), Dim.of(r));
        int size = r;
        try (var s = gb.scope("stem")) {
            x = m.relu6(m.conv(x, "_conv_stem", "_bn0", 3, EfficientNetLiteConfig.STEM_CHANNELS, 3, 2, 1, size));
        }
        size = (size + 1) / 2;
        for (EfficientNetLiteConfig.Block blk : cfg.blocks()) {
            try (var s = gb.scope("block" + blk.index())) {
                x = m.block(blk, x, size);
            }
            size = (size + blk.stride() - 1) / blk.stride();
        }
        int lastIn = cfg.blocks().get(cfg.blocks().size() - 1).out();
        int d = EfficientNetLiteConfig.HEAD_CHANNELS;
        try (var s = gb.scope("head")) {
            x = m.relu6(m.conv(x, "_conv_head", "_bn1", lastIn, d, 1, 1, 1, size));
            Value tokens = gb.transpose(gb.reshape(x, 0, d, (long) size * size), 0, 2, 1);   // [B, S², D]
            gb.output(tokens, OUTPUT);
            Value pooled = gb.reduceMean(tokens, false, 1);                                  // [B, D]
            gb.output(pooled, POOLED);
            Value w = m.weight("_fc.weight", EfficientNetLiteConfig.CLASSES, d);
            Value bias = m.weight("_fc.bias", EfficientNetLiteConfig.CLASSES);
            gb.output(gb.linear(pooled, w, bias), LOGITS);
        }
        m.checkAllUsed();
        Graph g = gb.graph();
        g.metadata().put("cggm.model", cfg.name());
        g.metadata().put("cggm.efficientnet.config", cfg.toString());
        return g;
    }

    /** The serialized model. */
    public static byte[] toBytes(EfficientNetLiteConfig cfg, Map<String, TorchCheckpoint.Tensor> stateDict) {
        return OnnxModels.toBytes(build(cfg, stateDict));
    }

    private Value block(EfficientNetLiteConfig.Block blk, Value in, int size) {
        String p = "_blocks." + blk.index();
        int mid = blk.expanded();
        Value x = in;
        if (blk.expandRatio() != 1) {
            x = relu6(conv(x, p + "._expand_conv", p + "._bn0", blk.in(), mid, 1, 1, 1, size));
        }
        x = relu6(conv(x, p + "._depthwise_conv", p + "._bn1", mid, mid, blk.kernel(), blk.stride(), mid, size));
        int outSize = (size + blk.stride() - 1) / blk.stride();
        x = conv(x, p + "._project_conv", p + "._bn2", mid, blk.out(), 1, 1, 1, outSize);
        return blk.residual() ? b.add(x, in) : x;
    }

    /** A bias-free convolution followed by its BatchNorm, folded; "SAME" padding for an input of {@code size}². */
    private Value conv(Value x, String conv, String bn, int in, int out, int k, int stride, int groups, int size) {
        float[] w = tensor(conv + ".weight", out, in / groups, k, k).values();
        BatchNormFolding.Folded f = BatchNormFolding.fold(w, null, tensor(bn + ".weight", out).values(),
                tensor(bn + ".bias", out).values(), tensor(bn + ".running_mean", out).values(),
                tensor(bn + ".running_var", out).values(), EfficientNetLiteConfig.BN_EPS);
        Value wv = initializer(conv + ".weight", f.weight(), out, in / groups, k, k);
        Value bv = initializer(conv + ".bias", f.bias(), out);
        int outSize = (size + stride - 1) / stride;
        int pad = Math.max((outSize - 1) * stride + k - size, 0);
        int before = pad / 2;
        int after = pad - before;
        return b.conv2d(x, wv, bv, ConvSpec.defaults().stride(stride).pads(before, before, after, after).groups(groups));
    }

    private Value relu6(Value x) {
        return b.relu6(x);
    }

    /** Every tensor but BatchNorm's step counters must have found its place: anything else means another architecture. */
    private void checkAllUsed() {
        List<String> left = new ArrayList<>();
        for (String name : weights.keySet()) {
            if (!used.contains(name) && !name.endsWith(".num_batches_tracked")) {
                left.add(name);
            }
        }
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("the checkpoint has " + left.size() + " tensors this variant does not use, "
                    + "e.g. '" + left.get(0) + "' (is it another EfficientNet variant?)");
        }
    }

    private Value weight(String name, long... shape) {
        return initializer(name, tensor(name, shape).values(), shape);
    }

    private Value initializer(String name, float[] values, long... shape) {
        return b.graph().addInitializer(Tensors.floats(name, shape, values));
    }

    private TorchCheckpoint.Tensor tensor(String name, long... shape) {
        TorchCheckpoint.Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the checkpoint has no tensor '" + name + "' (is it an EfficientNet-Lite "
                    + "state dict of this variant?)");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", this variant needs " + Arrays.toString(shape));
        }
        used.add(name);
        return t;
    }
}
