package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The ops the builder can type and autodiff can differentiate, by ONNX op type (ai.onnx domain). */
public final class OpRegistry {
    private static final Map<String, OpDefinition> OPS = new TreeMap<>();

    static {
        for (OpDefinition d : new OpDefinition[] {
                // elementwise
                new AddOp(), new SubOp(), new MulOp(), new DivOp(), new PowOp(), new SumOp(),
                new NegOp(), new AbsOp(), new ReluOp(), new ExpOp(), new LogOp(), new SqrtOp(),
                new ReciprocalOp(), new ErfOp(), new TanhOp(), new SigmoidOp(), new IdentityOp(),
                new CastOp(), new WhereOp(), new SignOp(), new NotOp(),
                new ExtremumOp(true), new ExtremumOp(false),
                new Comparison("Equal"), new Comparison("Greater"), new Comparison("Less"),
                new Comparison("GreaterOrEqual"), new Comparison("LessOrEqual"),
                new Comparison("And"), new Comparison("Or"), new Comparison("Xor"),
                // linear algebra
                new MatMulOp(), new GemmOp(),
                // normalisation, activations, regularisation, losses
                new SoftmaxOp(), new LogSoftmaxOp(), new LayerNormalizationOp(), new InstanceNormalizationOp(),
                new DropoutOp(),
                new SoftmaxCrossEntropyLossOp(),
                // convolution and pooling
                new ConvOp(), new ConvTransposeOp(), new GlobalAveragePoolOp(), new ClipOp(),
                new MaxPoolOp(), new AveragePoolOp(), new ResizeOp(), new BatchNormalizationOp(),
                // reductions
                new ReduceSumOp(), new ReduceMeanOp(), new ArgExtremumOp("ArgMax"), new ArgExtremumOp("ArgMin"),
                // shapes and indexing
                new TransposeOp(), new ReshapeOp(), new FlattenOp(), new SqueezeOp(), new UnsqueezeOp(),
                new ExpandOp(), new ConcatOp(), new SplitOp(), new SliceOp(), new GatherOp(),
                new PadOp(), new ScatterNDOp(), new ScatterElementsOp(),
                // constants and shape arithmetic
                new ShapeOp(), new SizeOp(), new ConstantOp(), new ConstantOfShapeOp(), new RangeOp(),
                new NonZeroOp(), new OneHotOp(),
        }) {
            OPS.put(d.opType(), d);
        }
    }

    private OpRegistry() {
    }

    /** The definition for a node's op, or a clear error naming the op and the node. */
    public static OpDefinition get(Node node) {
        if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
            throw new GraphException(node.describe() + " is in domain '" + node.domain()
                    + "', which is not supported (only the standard ai.onnx domain)");
        }
        OpDefinition d = OPS.get(node.opType());
        if (d == null) {
            throw new GraphException(node.describe() + " is not supported. Supported ops: "
                    + String.join(", ", OPS.keySet()));
        }
        return d;
    }

    public static boolean isSupported(String opType) {
        return OPS.containsKey(opType);
    }

    /** Op types with a gradient rule. */
    public static Set<String> differentiableOps() {
        Set<String> s = new TreeSet<>();
        OPS.forEach((k, v) -> {
            if (v.gradient() == OpDefinition.Gradient.DIFFERENTIABLE) {
                s.add(k);
            }
        });
        return Collections.unmodifiableSet(s);
    }

    /** All op types the builder can type. */
    public static Set<String> supportedOps() {
        return Collections.unmodifiableSet(OPS.keySet());
    }
}
