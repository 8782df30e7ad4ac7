package dev.cggm.onnx.autodiff;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Shape;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.ops.BackwardContext;
import dev.cggm.onnx.ops.OpDefinition;
import dev.cggm.onnx.ops.OpRegistry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation of an ONNX graph into an ONNX graph. The result is the forward
 * graph plus, for every requested value {@code w}, an output {@code grad/w} holding
 * d(Σ seeds)/dw, computed by standard ONNX ops so any ONNX Runtime build can run it.
 *
 * <p>Only values that both depend on a differentiated input and influence a seed get gradients;
 * integer and bool values, and values marked {@linkplain Graph#stopGradient() detached}, carry
 * none. A node on a gradient path whose op has no rule is an error naming the op and the node.
 */
public final class Autodiff {
    /** Output name prefix of gradients (the training-artifact contract). */
    public static final String GRAD_PREFIX = "grad/";
    /**
     * Metadata key of the differentiated graph listing (comma-separated) the inputs no seed
     * depends on: their gradient outputs are zeros by construction, and a trainer should leave
     * them alone, as PyTorch leaves a parameter whose {@code grad} is None.
     */
    public static final String UNREACHED_METADATA = "cggm.unreached";

    private Autodiff() {
    }

    /**
     * Differentiates {@code forward}.
     *
     * @param forward the forward graph (not modified)
     * @param seeds   scalar values whose sum is differentiated (each gets gradient 1)
     * @param wrt     graph inputs or initializers to differentiate with respect to
     * @return a new graph with the forward outputs followed by {@code grad/<w>} for each {@code w}
     */
    public static Graph differentiate(Graph forward, List<String> seeds, List<String> wrt) {
        Map<String, String> unweighted = new LinkedHashMap<>();
        seeds.forEach(s -> unweighted.put(s, null));
        return new Run(forward, unweighted, wrt).execute();
    }

    /**
     * Differentiates a weighted sum of seeds, Σ w_s·s, where each weight is a scalar graph input
     * fed at run time (so one training graph serves any mix of its loss terms: a stage that
     * trains one modality sets the others' weights to 0). A null weight means 1.
     *
     * @param weightedSeeds seed value → name of the scalar float input holding its weight (or null)
     */
    public static Graph differentiate(Graph forward, Map<String, String> weightedSeeds, List<String> wrt) {
        return new Run(forward, weightedSeeds, wrt).execute();
    }

    private static final class Run {
        private final Graph g;
        private final GraphBuilder b;
        private final List<String> seeds;
        private final Map<String, String> seedWeights;
        private final List<String> wrt;
        private final Set<String> active = new HashSet<>();
        private final Map<String, List<Value>> grads = new LinkedHashMap<>();

        Run(Graph forward, Map<String, String> seedWeights, List<String> wrt) {
            this.g = forward.copy();
            this.b = new GraphBuilder(g);
            this.seeds = List.copyOf(seedWeights.keySet());
            this.seedWeights = seedWeights;
            this.wrt = wrt;
        }

        Graph execute() {
            validate();
            List<Node> forwardNodes = new ArrayList<>(g.nodes());
            markActive(forwardNodes);
            for (String s : seeds) {
                if (active.contains(s)) {
                    String w = seedWeights.get(s);
                    grads.computeIfAbsent(s, k -> new ArrayList<>())
                            .add(w == null ? b.scalar(1.0, g.type(s).dtype()) : g.value(w));
                }
            }
            try (var scope = b.scope("grad")) {
                for (int i = forwardNodes.size() - 1; i >= 0; i--) {
                    visit(forwardNodes.get(i));
                }
                List<String> unreached = new ArrayList<>();
                for (String w : wrt) {
                    Value total = total(w);
                    if (total == null) {
                        unreached.add(w);
                    }
                    Value grad = total != null ? total : b.zerosLike(g.value(w));
                    b.output(grad, GRAD_PREFIX + w);
                    g.refineType(GRAD_PREFIX + w, g.type(w));
                }
                if (!unreached.isEmpty()) {
                    g.metadata().put(UNREACHED_METADATA, String.join(",", unreached));
                }
            }
            return g;
        }

        private void validate() {
            for (String s : seeds) {
                if (!g.hasValue(s)) {
                    throw new GraphException("autodiff: seed '" + s + "' is not a value of graph '" + g.name() + "'");
                }
                if (g.type(s).rank() != 0 || !g.type(s).dtype().isFloating()) {
                    throw new GraphException("autodiff: seed '" + s + "' must be a floating scalar, is " + g.type(s));
                }
                String w = seedWeights.get(s);
                if (w != null && (!g.inputs().contains(w) || !g.type(w).equals(g.type(s)))) {
                    throw new GraphException("autodiff: the weight of seed '" + s + "' must be a graph input of type "
                            + g.type(s) + ", got '" + w + "'" + (g.hasValue(w) ? " of type " + g.type(w) : ""));
                }
            }
            for (String w : wrt) {
                if (!g.inputs().contains(w) && !g.initializers().containsKey(w)) {
                    throw new GraphException("autodiff: '" + w + "' is neither an input nor an initializer of graph '"
                            + g.name() + "'");
                }
                if (!g.type(w).dtype().isFloating()) {
                    throw new GraphException("autodiff: cannot differentiate with respect to '" + w + "' of type "
                            + g.type(w));
                }
            }
        }

        /** Values on a path from some w in wrt to some seed. */
        private void markActive(List<Node> nodes) {
            Set<String> dependsOnWrt = new HashSet<>(wrt);
            for (Node n : nodes) {
                OpDefinition.Gradient kind = OpRegistry.get(n).gradient();
                boolean fed = n.inputs().stream().anyMatch(dependsOnWrt::contains);
                if (!fed || kind == OpDefinition.Gradient.NONE) {
                    continue;
                }
                for (String out : n.outputs()) {
                    if (!out.isEmpty() && g.type(out).dtype().isFloating() && !g.stopGradient().contains(out)) {
                        dependsOnWrt.add(out);
                    }
                }
            }
            Set<String> reachesSeed = new HashSet<>(seeds);
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                if (n.outputs().stream().anyMatch(reachesSeed::contains)) {
                    reachesSeed.addAll(n.inputs());
                }
            }
            for (String v : dependsOnWrt) {
                if (reachesSeed.contains(v)) {
                    active.add(v);
                }
            }
        }

        private void visit(Node node) {
            boolean anyGrad = false;
            for (String out : node.outputs()) {
                anyGrad |= active.contains(out) && grads.containsKey(out);
            }
            if (!anyGrad) {
                return;
            }
            OpDefinition def = OpRegistry.get(node);
            if (def.gradient() == OpDefinition.Gradient.UNSUPPORTED) {
                throw new GraphException("autodiff: " + node.describe()
                        + " lies on a gradient path but has no gradient rule. Ops with gradient rules: "
                        + String.join(", ", OpRegistry.differentiableOps()));
            }
            Context ctx = new Context(node);
            try (var scope = b.scope(node.name())) {
                def.backward(ctx);
            }
        }

        /** The summed gradient of a value, or null if none flowed into it. */
        private Value total(String valueName) {
            List<Value> parts = grads.get(valueName);
            if (parts == null || parts.isEmpty()) {
                return null;
            }
            if (parts.size() > 1) {
                Value sum = b.sum(parts);
                parts.clear();
                parts.add(sum);
            }
            return parts.get(0);
        }

        private final class Context implements BackwardContext {
            private Node node;

            Context(Node node) {
                this.node = node;
            }

            @Override
            public Node node() {
                return node;
            }

            @Override
            public GraphBuilder b() {
                return b;
            }

            @Override
            public Value input(int i) {
                if (!node.hasInput(i)) {
                    throw error("input " + i + " is absent");
                }
                return g.value(node.input(i));
            }

            @Override
            public boolean hasInput(int i) {
                return node.hasInput(i);
            }

            @Override
            public Value output(int i) {
                if (!node.hasOutput(i)) {
                    requestOutput(i);
                }
                return g.value(node.output(i));
            }

            /** Asks the forward node for an optional output (Dropout's mask, a loss's log-prob, …). */
            private void requestOutput(int i) {
                List<String> outs = new ArrayList<>(node.outputs());
                while (outs.size() <= i) {
                    outs.add("");
                }
                outs.set(i, b.uniqueName(node.name() + "_out" + i));
                Node replacement = node.withOutputs(outs);
                g.replaceNode(node, replacement, GraphBuilder.infer(g, replacement));
                node = replacement;
            }

            @Override
            public Value outputGrad(int i) {
                return node.hasOutput(i) ? total(node.output(i)) : null;
            }

            @Override
            public boolean needsGrad(int i) {
                return node.hasInput(i) && active.contains(node.input(i));
            }

            @Override
            public void addInputGrad(int i, Value grad) {
                Value in = input(i);
                if (grad.dtype() != in.dtype() || grad.rank() != in.rank()) {
                    throw error("gradient rule produced " + grad.type() + " for input " + i + " of type " + in.type());
                }
                if (!grad.shape().equals(in.shape())) {
                    checkCompatible(grad.shape(), in.shape(), i);
                    g.refineType(grad.name(), in.type());
                    grad = g.value(grad.name());
                }
                grads.computeIfAbsent(in.name(), k -> new ArrayList<>()).add(grad);
            }

            private void checkCompatible(Shape got, Shape want, int i) {
                for (int d = 0; d < got.rank(); d++) {
                    Dim a = got.dim(d);
                    Dim w = want.dim(d);
                    if (a.isKnown() && w.isKnown() && a.size() != w.size()) {
                        throw error("gradient rule produced shape " + got + " for input " + i + " of shape " + want);
                    }
                }
            }

            @Override
            public void addBroadcastGrad(int i, Value grad) {
                addInputGrad(i, Unbroadcast.toShapeOf(b, grad, input(i)));
            }

            @Override
            public long[] constantInts(int i) {
                if (!node.hasInput(i)) {
                    return null;
                }
                var c = g.constant(node.input(i));
                if (c != null) {
                    return dev.cggm.onnx.graph.Tensors.dtype(c).isFloating() ? null : dev.cggm.onnx.graph.Tensors.toLongs(c);
                }
                List<Dim> known = g.knownValue(node.input(i));
                if (known != null && known.stream().allMatch(Dim::isKnown)) {
                    return known.stream().mapToLong(Dim::size).toArray();
                }
                return null;
            }

            @Override
            public double[] constantValues(int i) {
                var c = node.hasInput(i) ? g.constant(node.input(i)) : null;
                return c == null ? null : dev.cggm.onnx.graph.Tensors.toDoubles(c);
            }

            @Override
            public GraphException error(String message) {
                return new GraphException("autodiff: " + node.describe() + ": " + message);
            }
        }
    }
}
