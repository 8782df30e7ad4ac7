package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.cggm.onnx.ops.InferenceContext;
import dev.cggm.onnx.ops.OpDefinition;
import dev.cggm.onnx.ops.OpRegistry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends typed nodes to a {@link Graph}. Every op method infers its output types on the spot, so
 * shape mistakes surface where the model is written, not when ONNX Runtime loads it. Names are
 * made unique and prefixed by the current {@link #scope scope}.
 */
public final class GraphBuilder {
    private final Graph graph;
    private final Deque<String> scopes = new ArrayDeque<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, Value> constantCache = new HashMap<>();

    public GraphBuilder(Graph graph) {
        this.graph = graph;
    }

    public GraphBuilder(String graphName) {
        this(new Graph(graphName));
    }

    public Graph graph() {
        return graph;
    }

    /** Opens a naming scope; close it (try-with-resources) to return to the enclosing one. */
    public Scope scope(String name) {
        scopes.push(name);
        return new Scope();
    }

    /** A naming scope; {@link #close()} pops it. */
    public final class Scope implements AutoCloseable {
        @Override
        public void close() {
            scopes.pop();
        }
    }

    private String prefix() {
        if (scopes.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>(scopes);
        java.util.Collections.reverse(parts);
        return String.join("/", parts) + "/";
    }

    /** A fresh name {@code scope/base_N} not used in the graph. */
    public String uniqueName(String base) {
        String stem = prefix() + base;
        int n = counters.merge(stem, 1, Integer::sum);
        String candidate = n == 1 && !graph.hasValue(stem) ? stem : stem + "_" + n;
        while (graph.hasValue(candidate)) {
            n = counters.merge(stem, 1, Integer::sum);
            candidate = stem + "_" + n;
        }
        return candidate;
    }

    // ---------------------------------------------------------------- inputs and constants

    public Value input(String name, TensorType type) {
        return graph.addInput(name, type);
    }

    public Value input(String name, DType dtype, Dim... dims) {
        return graph.addInput(name, TensorType.of(dtype, dims));
    }

    public void output(Value v) {
        graph.addOutput(v.name());
    }

    /** Makes {@code v} a graph output under {@code name} (through an Identity when renaming). */
    public Value output(Value v, String name) {
        Value out = v.name().equals(name) ? v : identityNamed(v, name);
        graph.addOutput(out.name());
        return out;
    }

    /** An Identity whose output gets exactly {@code name}. */
    public Value identityNamed(Value v, String name) {
        Node node = new Node(name, "Identity", "", List.of(v.name()), List.of(name), List.of());
        graph.addNode(node, List.of(v.type()));
        return new Value(name, v.type());
    }

    /** Adds a tensor as an initializer under a fresh name. */
    public Value constant(TensorProto t) {
        return graph.addInitializer(Tensors.renamed(t, uniqueConstName()));
    }

    private String uniqueConstName() {
        int n = counters.merge("const", 1, Integer::sum);
        String name = "const_" + n;
        while (graph.hasValue(name)) {
            n = counters.merge("const", 1, Integer::sum);
            name = "const_" + n;
        }
        return name;
    }

    /** A scalar constant (shared between uses). */
    public Value scalar(double value, DType dtype) {
        String key = dtype + ":s:" + value;
        return constantCache.computeIfAbsent(key, k -> constant(Tensors.scalar("", dtype, value)));
    }

    /** A scalar constant of {@code like}'s element type. */
    public Value scalarLike(double value, Value like) {
        return scalar(value, like.dtype());
    }

    /** A 1-D int64 constant (shared between uses). */
    public Value ints(long... values) {
        String key = "i64:" + Arrays.toString(values);
        return constantCache.computeIfAbsent(key,
                k -> constant(Tensors.longs("", new long[] {values.length}, values)));
    }

    /** A scalar int64 constant. */
    public Value intScalar(long value) {
        return scalar(value, DType.INT64);
    }

    public Value boolScalar(boolean value) {
        return scalar(value ? 1 : 0, DType.BOOL);
    }

    // ---------------------------------------------------------------- the core

    /**
     * Appends one node and returns its outputs. {@code inputs} may contain null for absent
     * optional inputs.
     */
    public List<Value> op(String opType, List<Value> inputs, int numOutputs, AttributeProto... attrs) {
        String name = uniqueName(opType);
        List<String> outs = new ArrayList<>(numOutputs);
        for (int i = 0; i < numOutputs; i++) {
            outs.add(i == 0 ? name : name + ":" + i);
        }
        List<String> ins = new ArrayList<>(inputs.size());
        for (Value v : inputs) {
            ins.add(v == null ? "" : v.name());
        }
        Node node = new Node(name, opType, "", ins, outs, Arrays.asList(attrs));
        List<TensorType> types = addTyped(node);
        List<Value> result = new ArrayList<>(numOutputs);
        for (int i = 0; i < numOutputs; i++) {
            result.add(new Value(outs.get(i), types.get(i)));
        }
        return result;
    }

    /** Single-output shorthand of {@link #op(String, List, int, AttributeProto...)}. */
    public Value op1(String opType, List<Value> inputs, AttributeProto... attrs) {
        return op(opType, inputs, 1, attrs).get(0);
    }

    /** Types {@code node} with the op registry and appends it. */
    public List<TensorType> addTyped(Node node) {
        List<TensorType> types = infer(graph, node);
        graph.addNode(node, types);
        return types;
    }

    /** Runs type inference for a node against a graph (the node is not added). */
    public static List<TensorType> infer(Graph graph, Node node) {
        OpDefinition def = OpRegistry.get(node);
        InferenceContext ctx = new InferenceContext(graph, node);
        List<TensorType> types;
        try {
            types = def.inferTypes(ctx);
        } catch (GraphException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GraphException(node.describe() + ": type inference failed: " + e.getMessage(), e);
        }
        if (types.size() < node.outputs().size()) {
            throw new GraphException(node.describe() + ": has " + node.outputs().size()
                    + " outputs but the op defines " + types.size());
        }
        for (Map.Entry<Integer, List<Dim>> e : ctx.knownOutputs().entrySet()) {
            if (node.hasOutput(e.getKey())) {
                graph.setKnownValue(node.output(e.getKey()), e.getValue());
            }
        }
        return types.subList(0, node.outputs().size());
    }

    // ---------------------------------------------------------------- elementwise

    public Value add(Value a, Value b) {
        return op1("Add", List.of(a, b));
    }

    public Value sub(Value a, Value b) {
        return op1("Sub", List.of(a, b));
    }

    public Value mul(Value a, Value b) {
        return op1("Mul", List.of(a, b));
    }

    public Value div(Value a, Value b) {
        return op1("Div", List.of(a, b));
    }

    /** {@code x * s} for a scalar constant {@code s}. */
    public Value scale(Value x, double s) {
        return mul(x, scalarLike(s, x));
    }

    public Value neg(Value x) {
        return op1("Neg", List.of(x));
    }

    public Value relu(Value x) {
        return op1("Relu", List.of(x));
    }

    public Value exp(Value x) {
        return op1("Exp", List.of(x));
    }

    public Value log(Value x) {
        return op1("Log", List.of(x));
    }

    public Value sqrt(Value x) {
        return op1("Sqrt", List.of(x));
    }

    public Value abs(Value x) {
        return op1("Abs", List.of(x));
    }

    public Value sign(Value x) {
        return op1("Sign", List.of(x));
    }

    public Value erf(Value x) {
        return op1("Erf", List.of(x));
    }

    public Value tanh(Value x) {
        return op1("Tanh", List.of(x));
    }

    public Value sigmoid(Value x) {
        return op1("Sigmoid", List.of(x));
    }

    /** {@code x ^ p} for a constant exponent. */
    public Value pow(Value x, double p) {
        return op1("Pow", List.of(x, scalarLike(p, x)));
    }

    public Value pow(Value x, Value p) {
        return op1("Pow", List.of(x, p));
    }

    /** n-ary sum (ONNX Sum; a single operand is returned as is). */
    public Value sum(List<Value> terms) {
        if (terms.isEmpty()) {
            throw new GraphException("sum of no terms");
        }
        return terms.size() == 1 ? terms.get(0) : op1("Sum", terms);
    }

    public Value identity(Value x) {
        return op1("Identity", List.of(x));
    }

    /** An Identity through which autodiff passes no gradient (PyTorch's {@code detach()}). */
    public Value detach(Value x) {
        Value d = op1("Identity", List.of(x));
        graph.markStopGradient(d.name());
        return d;
    }

    public Value cast(Value x, DType to) {
        return op1("Cast", List.of(x), Attr.i("to", to.code()));
    }

    public Value where(Value cond, Value a, Value b) {
        return op1("Where", List.of(cond, a, b));
    }

    public Value equal(Value a, Value b) {
        return op1("Equal", List.of(a, b));
    }

    public Value greater(Value a, Value b) {
        return op1("Greater", List.of(a, b));
    }

    public Value less(Value a, Value b) {
        return op1("Less", List.of(a, b));
    }

    public Value not(Value a) {
        return op1("Not", List.of(a));
    }

    public Value and(Value a, Value b) {
        return op1("And", List.of(a, b));
    }

    // ---------------------------------------------------------------- linear algebra

    public Value matMul(Value a, Value b) {
        return op1("MatMul", List.of(a, b));
    }

    /** {@code alpha * op(A) * op(B) + beta * C}; {@code c} may be null. */
    public Value gemm(Value a, Value b, Value c, double alpha, double beta, boolean transA, boolean transB) {
        List<Value> ins = new ArrayList<>(Arrays.asList(a, b));
        if (c != null) {
            ins.add(c);
        }
        return op1("Gemm", ins, Attr.f("alpha", alpha), Attr.f("beta", beta),
                Attr.i("transA", transA ? 1 : 0), Attr.i("transB", transB ? 1 : 0));
    }

    /**
     * PyTorch's {@code nn.Linear}: {@code x · Wᵀ + b} over the last axis, with {@code weight} of
     * shape [out, in] as PyTorch stores it.
     */
    public Value linear(Value x, Value weight, Value bias) {
        Value y = matMul(x, transpose(weight, 1, 0));
        return bias == null ? y : add(y, bias);
    }

    // ---------------------------------------------------------------- convolution and pooling

    /**
     * 2-D convolution (ONNX Conv) of {@code x} [N, C, H, W] with {@code weight} [M, C/groups, kh, kw]
     * as PyTorch's {@code nn.Conv2d} stores it; {@code bias} [M] may be null. ONNX Runtime runs
     * Conv in float (not double).
     */
    public Value conv2d(Value x, Value weight, Value bias, ConvSpec spec) {
        List<Value> ins = new ArrayList<>(Arrays.asList(x, weight));
        if (bias != null) {
            ins.add(bias);
        }
        return op1("Conv", ins, spec.attributes());
    }

    /**
     * 2-D transposed convolution (ONNX ConvTranspose) of {@code x} [N, C, H, W] with {@code weight}
     * [C, M/groups, kh, kw] as PyTorch's {@code nn.ConvTranspose2d} stores it; {@code bias} [M] may
     * be null. Output extent (H−1)·stride − pads + (kh−1)·dilation + 1 + outputPadding, so
     * {@code ConvSpec.defaults().stride(2)} with a 2×2 kernel doubles each side. {@code outputPadding}
     * (none, or one per spatial axis) must be smaller than the stride.
     */
    public Value convTranspose2d(Value x, Value weight, Value bias, ConvSpec spec, long... outputPadding) {
        List<Value> ins = new ArrayList<>(Arrays.asList(x, weight));
        if (bias != null) {
            ins.add(bias);
        }
        List<AttributeProto> attrs = new ArrayList<>(Arrays.asList(spec.attributes()));
        if (outputPadding.length > 0) {
            attrs.add(Attr.ints("output_padding", outputPadding));
        }
        return op1("ConvTranspose", ins, attrs.toArray(AttributeProto[]::new));
    }

    /** 2-D max pooling (ONNX MaxPool); gradients go to each window's first maximum, as PyTorch's. */
    public Value maxPool2d(Value x, PoolSpec spec) {
        return op1("MaxPool", List.of(x), spec.maxPoolAttributes());
    }

    /** 2-D average pooling (ONNX AveragePool; see {@link PoolSpec#countIncludePad}). Float only on ONNX Runtime. */
    public Value avgPool2d(Value x, PoolSpec spec) {
        return op1("AveragePool", List.of(x), spec.averagePoolAttributes());
    }

    /**
     * Resizes the spatial axes of {@code x} [N, C, H, W] by {@code scale} (ONNX Resize, output
     * extent ⌊H·scale⌋). {@code mode} "linear" or "nearest"; {@code coordinateTransformationMode}
     * as ONNX — PyTorch's {@code interpolate(scale_factor=s, mode='bilinear', align_corners=False)}
     * is linear with "pytorch_half_pixel" (with True: "align_corners"), its default nearest mode is
     * nearest with "asymmetric" and nearest_mode "floor" (set here for nearest). Float only on
     * ONNX Runtime.
     */
    public Value resize2d(Value x, double scale, String mode, String coordinateTransformationMode) {
        Value scales = constant(Tensors.floats("", new long[] {4}, new float[] {1, 1, (float) scale, (float) scale}));
        List<AttributeProto> attrs = new ArrayList<>(List.of(Attr.s("mode", mode),
                Attr.s("coordinate_transformation_mode", coordinateTransformationMode)));
        if (mode.equals("nearest")) {
            attrs.add(Attr.s("nearest_mode", "floor"));
        }
        return op1("Resize", Arrays.asList(x, null, scales), attrs.toArray(AttributeProto[]::new));
    }

    /** The mean over the spatial axes, keeping them as size 1: [N, C, H, W] → [N, C, 1, 1]. */
    public Value globalAveragePool(Value x) {
        return op1("GlobalAveragePool", List.of(x));
    }

    /** Clamps {@code x} to [min, max] (ONNX Clip with scalar constant bounds). */
    public Value clip(Value x, double min, double max) {
        return op1("Clip", List.of(x, scalarLike(min, x), scalarLike(max, x)));
    }

    /** ReLU6 (MobileNet, EfficientNet-Lite): min(max(x, 0), 6). */
    public Value relu6(Value x) {
        return clip(x, 0, 6);
    }

    // ---------------------------------------------------------------- normalisation and activations

    public Value softmax(Value x, int axis) {
        return op1("Softmax", List.of(x), Attr.i("axis", axis));
    }

    public Value logSoftmax(Value x, int axis) {
        return op1("LogSoftmax", List.of(x), Attr.i("axis", axis));
    }

    /**
     * BatchNormalization in inference mode with fixed statistics (all [C]): scale·(x − mean)/√(var + ε) + bias
     * per channel of x [N, C, ...]. Has no gradient rule (see InstanceNormalization for training).
     */
    public Value batchNormInference(Value x, Value scale, Value bias, Value mean, Value variance, double epsilon) {
        return op1("BatchNormalization", List.of(x, scale, bias, mean, variance), Attr.f("epsilon", epsilon));
    }

    /**
     * InstanceNormalization of {@code x} [N, C, spatial...]: each sample's channel standardised over
     * its spatial positions (biased variance), then scale[c]·x̂ + bias[c] ({@code scale}, {@code bias}
     * [C]; PyTorch's {@code InstanceNorm2d(affine=True)}). One ONNX op; float only on ONNX Runtime.
     */
    public Value instanceNorm(Value x, Value scale, Value bias, double epsilon) {
        return op1("InstanceNormalization", List.of(x, scale, bias), Attr.f("epsilon", epsilon));
    }

    /**
     * Group normalisation (PyTorch's {@code nn.GroupNorm}) of {@code x} [N, C, spatial...] with C
     * static: the channels are split into {@code groups} consecutive groups, each sample's group is
     * standardised over its channels and positions (biased variance, ε inside the square root),
     * then scale[c]·x̂ + bias[c] ({@code scale}, {@code bias} [C]). Independent of the batch size,
     * hence robust at small batches; groups = C is instance norm, groups = 1 layer norm over
     * (C, spatial). Composed of elementary ops, so it runs in float and double and is
     * differentiated through their rules.
     */
    public Value groupNorm(Value x, long groups, Value scale, Value bias, double epsilon) {
        if (x.rank() < 3 || !x.dim(1).isKnown() || groups <= 0 || x.dim(1).size() % groups != 0) {
            throw new GraphException("groupNorm needs x [N, C, spatial...] with a static C divisible by " + groups
                    + " groups, got " + x.shape());
        }
        Value grouped = reshape(x, 0, groups, -1);
        Value mean = reduceMean(grouped, true, 2);
        Value centered = sub(grouped, mean);
        Value variance = reduceMean(mul(centered, centered), true, 2);
        Value normalized = div(centered, sqrt(add(variance, scalarLike(epsilon, x))));
        Value restored = x.shape().isStatic() ? reshape(normalized, x.shape().sizes()) : reshape(normalized, shape(x));
        long[] trailing = new long[x.rank() - 2];
        for (int i = 0; i < trailing.length; i++) {
            trailing[i] = 1 + i;
        }
        return add(mul(restored, unsqueeze(scale, trailing)), unsqueeze(bias, trailing));
    }

    /** LayerNormalization over the axes from {@code axis} to the end. */
    public Value layerNorm(Value x, Value scale, Value bias, int axis, double epsilon) {
        List<Value> ins = new ArrayList<>(Arrays.asList(x, scale));
        if (bias != null) {
            ins.add(bias);
        }
        return op1("LayerNormalization", ins, Attr.i("axis", axis), Attr.f("epsilon", epsilon));
    }

    /**
     * Dropout in training mode with a fixed seed (ONNX Runtime draws a new mask on every run; the
     * seed makes the sequence repeatable from a fresh session). Ratio 0 emits nothing.
     */
    public Value dropout(Value x, double ratio, long seed) {
        if (ratio <= 0) {
            return x;
        }
        return op1("Dropout", List.of(x, scalarLike(ratio, x), boolScalar(true)), Attr.i("seed", seed));
    }

    // ---------------------------------------------------------------- reductions

    public Value reduceSum(Value x, boolean keepDims, long... axes) {
        return op1("ReduceSum", List.of(x, ints(axes)), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    public Value reduceMean(Value x, boolean keepDims, long... axes) {
        return op1("ReduceMean", List.of(x), Attr.ints("axes", axes), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    /** Mean over all elements, as a scalar. */
    public Value meanAll(Value x) {
        return op1("ReduceMean", List.of(x), Attr.i("keepdims", 0));
    }

    public Value argMax(Value x, int axis, boolean keepDims) {
        return op1("ArgMax", List.of(x), Attr.i("axis", axis), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    // ---------------------------------------------------------------- shape manipulation

    public Value transpose(Value x, int... perm) {
        return op1("Transpose", List.of(x), Attr.ints("perm", perm));
    }

    /** Reshape to a constant shape (0 copies the input dimension, -1 is inferred). */
    public Value reshape(Value x, long... shape) {
        return op1("Reshape", List.of(x, ints(shape)));
    }

    public Value reshape(Value x, Value shape) {
        return op1("Reshape", List.of(x, shape));
    }

    public Value shape(Value x) {
        return op1("Shape", List.of(x));
    }

    public Value size(Value x) {
        return op1("Size", List.of(x));
    }

    public Value expand(Value x, Value shape) {
        return op1("Expand", List.of(x, shape));
    }

    public Value concat(int axis, Value... parts) {
        return op1("Concat", Arrays.asList(parts), Attr.i("axis", axis));
    }

    public Value concat(int axis, List<Value> parts) {
        return op1("Concat", parts, Attr.i("axis", axis));
    }

    /** Slice with constant bounds along {@code axes} (steps of 1). */
    public Value slice(Value x, long[] starts, long[] ends, long[] axes) {
        return op1("Slice", List.of(x, ints(starts), ints(ends), ints(axes)));
    }

    public Value slice(Value x, long[] starts, long[] ends, long[] axes, long[] steps) {
        return op1("Slice", List.of(x, ints(starts), ints(ends), ints(axes), ints(steps)));
    }

    public Value gather(Value x, Value indices, int axis) {
        return op1("Gather", List.of(x, indices), Attr.i("axis", axis));
    }

    public Value unsqueeze(Value x, long... axes) {
        return op1("Unsqueeze", List.of(x, ints(axes)));
    }

    public Value squeeze(Value x, long... axes) {
        return op1("Squeeze", List.of(x, ints(axes)));
    }

    /** Split along {@code axis} into pieces of the given sizes. */
    public List<Value> split(Value x, int axis, long... sizes) {
        return op("Split", List.of(x, ints(sizes)), sizes.length, Attr.i("axis", axis));
    }

    /** A tensor of the given (runtime) shape filled with {@code value} of {@code dtype}. */
    public Value constantOfShape(Value shape, double value, DType dtype) {
        return op1("ConstantOfShape", List.of(shape),
                Attr.t("value", Tensors.of("value", dtype, new long[] {1}, new double[] {value})));
    }

    /** Zeros shaped and typed like {@code like}. */
    public Value zerosLike(Value like) {
        return constantOfShape(shape(like), 0, like.dtype());
    }

    public Value range(Value start, Value limit, Value delta) {
        return op1("Range", List.of(start, limit, delta));
    }

    public Value oneHot(Value indices, Value depth, Value values, int axis) {
        return op1("OneHot", List.of(indices, depth, values), Attr.i("axis", axis));
    }

    public Value nonZero(Value x) {
        return op1("NonZero", List.of(x));
    }

    // ---------------------------------------------------------------- losses

    /**
     * Mean softmax cross-entropy (ONNX SoftmaxCrossEntropyLoss) of scores [N, C] against int64
     * labels [N], or of scores [N, C, d1, …] against labels [N, d1, …] (per-pixel classes);
     * {@code classWeights} [C] may be null. With weights the mean is Σ w_y·l / Σ w_y over all
     * positions (PyTorch's {@code cross_entropy(weight=…)}). Returns the scalar loss.
     */
    public Value softmaxCrossEntropy(Value scores, Value labels, Value classWeights) {
        List<Value> ins = new ArrayList<>(Arrays.asList(scores, labels));
        if (classWeights != null) {
            ins.add(classWeights);
        }
        return op1("SoftmaxCrossEntropyLoss", ins, Attr.s("reduction", "mean"));
    }

    /**
     * The one-hot indicator of int64 {@code labels} [N, d1, …] along axis 1 of {@code scores}
     * [N, C, d1, …]: 1 where the label is the class, else 0, typed like the scores. Built from
     * Equal against 0..C−1 (ONNX Runtime's OneHot has no double kernel); labels outside 0..C−1
     * give all-zero rows.
     */
    public Value classIndicator(Value labels, Value scores) {
        Value classes;
        if (scores.dim(1).isKnown()) {
            long[] ids = new long[(int) scores.dim(1).size()];
            for (int c = 0; c < ids.length; c++) {
                ids[c] = c;
            }
            classes = ints(ids);
        } else {
            Value depth = squeeze(gather(shape(scores), ints(1), 0), 0);
            classes = range(intScalar(0), depth, intScalar(1));
        }
        if (scores.rank() > 2) {
            long[] trailing = new long[scores.rank() - 2];
            for (int i = 0; i < trailing.length; i++) {
                trailing[i] = 1 + i;
            }
            classes = unsqueeze(classes, trailing);
        }
        Value ids = labels.dtype() == DType.INT64 ? labels : cast(labels, DType.INT64);
        return cast(equal(unsqueeze(ids, 1), classes), scores.dtype());
    }

    /**
     * Soft Dice loss 1 − D of class probabilities p = softmax(logits) over axis 1 of logits
     * [N, C, spatial…] against int64 labels [N, spatial…], with t the one-hot labels and K the
     * classes counted ({@link SoftDice#includeBackground}: 0..C−1, else 1..C−1); sums run over
     * the batch and all positions:
     * <ul>
     * <li>pooled ({@code perClass} false, the official CGGM segmentation loss):
     *     D = (2·Σ_{c∈K} Σ p_c·t_c + s_num) / (Σ_{c∈K} Σ p_c + Σ_{c∈K} Σ t_c + s_den);</li>
     * <li>per class: D = mean_{c∈K} (2·Σ p_c·t_c + s_num) / (Σ p_c + Σ t_c + s_den).</li>
     * </ul>
     * Composed of differentiable ops (Softmax, Mul, ReduceSum, Div, …).
     */
    public Value softDiceLoss(Value logits, Value labels, SoftDice spec) {
        if (logits.rank() < 3 || !logits.dim(1).isKnown() || logits.dim(1).size() < 2) {
            throw new GraphException("softDiceLoss needs logits [N, C, spatial...] with a static C >= 2, got " + logits.shape());
        }
        long classes = logits.dim(1).size();
        Value p = softmax(logits, 1);
        Value t = classIndicator(labels, logits);
        if (!spec.includeBackground()) {
            p = slice(p, new long[] {1}, new long[] {classes}, new long[] {1});
            t = slice(t, new long[] {1}, new long[] {classes}, new long[] {1});
        }
        long[] sumAxes = new long[logits.rank() - 1];
        for (int i = 0, a = 0; a < logits.rank(); a++) {
            if (a != 1) {
                sumAxes[i++] = a;
            }
        }
        Value inter;
        Value denominator;
        if (spec.perClass()) {
            inter = reduceSum(mul(p, t), false, sumAxes);
            denominator = add(reduceSum(p, false, sumAxes), reduceSum(t, false, sumAxes));
        } else {
            inter = reduceSum(mul(p, t), false);
            denominator = add(reduceSum(p, false), reduceSum(t, false));
        }
        Value dice = div(add(scale(inter, 2), scalarLike(spec.smoothNumerator(), p)),
                add(denominator, scalarLike(spec.smoothDenominator(), p)));
        return sub(scalarLike(1, p), spec.perClass() ? meanAll(dice) : dice);
    }

    /** Mean absolute error (PyTorch's {@code L1Loss}). */
    public Value l1Loss(Value prediction, Value target) {
        return meanAll(abs(sub(prediction, target)));
    }

    /** Mean squared error (PyTorch's {@code MSELoss}). */
    public Value mseLoss(Value prediction, Value target) {
        Value d = sub(prediction, target);
        return meanAll(mul(d, d));
    }
}
