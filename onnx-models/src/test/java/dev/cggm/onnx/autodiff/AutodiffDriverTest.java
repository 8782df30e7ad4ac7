package dev.cggm.onnx.autodiff;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@link Autodiff} drives the rules: which values get gradients, accumulation, seeds,
 * errors, serialisation round trips and symbolic dimensions.
 */
class AutodiffDriverTest {
    private static final double RTOL = 1e-6;
    private static final double ATOL = 1e-8;
    private final Random rng = new Random(2024);

    private HostTensor random(long... shape) {
        double[] v = new double[(int) HostTensor.count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble() * 2 - 1;
        }
        return HostTensor.of(v, shape);
    }

    private static Map<String, HostTensor> run(Graph g, Map<String, HostTensor> feeds, String... outputs) throws Exception {
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(g))) {
            return m.run(feeds, outputs);
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = ATOL + RTOL * Math.max(Math.abs(expected[i]), Math.abs(actual[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    private static void assertFdAgrees(Graph forward, Map<String, HostTensor> feeds, List<String> wrt) throws Exception {
        List<GradCheck.Mismatch> bad = new GradCheck(forward, "loss", feeds, wrt).tolerance(RTOL, ATOL).checkAll();
        assertEquals(List.of(), bad);
    }

    // ------------------------------------------------------------------ values without gradients

    /**
     * Labels (int64), a float input outside wrt, shape arithmetic on an int path, and a value
     * behind detach: none gets a gradient, nothing breaks, and the gradients of the rest equal
     * those of a twin graph where the detached value is a fed constant.
     */
    @Test
    void labelsIntPathsAndDetachedValuesGetNoGradient() throws Exception {
        Map<String, HostTensor> feeds = new LinkedHashMap<>();
        feeds.put("x", random(4, 3));
        feeds.put("w", random(2, 3));
        feeds.put("scale", random(4, 2));
        feeds.put("labels", HostTensor.of(new long[] {1, 0, 0, 1}, 4));

        Graph detached = classifier(null);
        Graph training = Autodiff.differentiate(detached, List.of("loss"), List.of("x", "w"));
        assertEquals(List.of("loss", "grad/x", "grad/w"), training.outputs());
        for (Node n : training.nodes()) {
            // nothing of the backward pass reads the labels except the loss's own rule
            if (n.name().startsWith("grad/") && n.inputs().contains("labels")) {
                assertTrue(n.name().startsWith("grad/SoftmaxCrossEntropyLoss"), n.toString());
            }
        }
        Map<String, HostTensor> got = run(training, feeds, "grad/x", "grad/w");

        // the twin: the detached value as an input holding the same numbers
        Map<String, HostTensor> twinFeeds = new LinkedHashMap<>(feeds);
        Graph probe = classifier(null);
        probe.addOutput("stopped");
        twinFeeds.put("stopped_value", run(probe, feeds, "stopped").get("stopped"));
        Graph twin = classifier("stopped_value");
        assertFdAgrees(twin, twinFeeds, List.of("x", "w"));
        Map<String, double[]> expected = new GradCheck(twin, "loss", twinFeeds, List.of("x", "w")).analytic();
        assertClose(expected.get("x"), got.get("grad/x").toDoubles(), "grad/x");
        assertClose(expected.get("w"), got.get("grad/w").toDoubles(), "grad/w");
    }

    /**
     * scores = x·wᵀ; loss = SCE(scores, labels) + Σ scores·stop(scores)·scale + Σ scores·float(labels).
     * With {@code stoppedInput} null the middle factor is detach(scores) (value named "stopped"),
     * otherwise it is that fed input.
     */
    private static Graph classifier(String stoppedInput) {
        GraphBuilder b = new GraphBuilder("classifier");
        Dim batch = Dim.sym("batch");
        Value x = b.input("x", DType.DOUBLE, batch, Dim.of(3));
        Value w = b.input("w", DType.DOUBLE, Dim.of(2), Dim.of(3));
        Value scale = b.input("scale", DType.DOUBLE, batch, Dim.of(2));
        Value labels = b.input("labels", DType.INT64, batch);
        Value scores = b.linear(x, w, null);
        Value stopped = stoppedInput == null
                ? b.identityNamed(b.detach(scores), "stopped")
                : b.input(stoppedInput, DType.DOUBLE, batch, Dim.of(2));
        Value ce = b.softmaxCrossEntropy(scores, labels, null);
        Value selfWeighted = b.reduceSum(b.mul(b.mul(scores, stopped), scale), false);
        // labels reach the loss through an int->float Cast; a shape read (int path) reshapes them
        Value labelsAsFloat = b.cast(b.reshape(labels, b.shape(labels)), DType.DOUBLE);
        Value byLabel = b.reduceSum(b.mul(scores, b.unsqueeze(labelsAsFloat, 1)), false);
        b.output(b.add(b.add(ce, selfWeighted), byLabel), "loss");
        return b.graph();
    }

    @Test
    void aParameterReachingTheLossOnlyThroughDetachGetsZeros() throws Exception {
        GraphBuilder b = new GraphBuilder("detached_only");
        Value p = b.input("p", DType.DOUBLE, Dim.sym("batch"), Dim.of(3));
        Value q = b.input("q", DType.DOUBLE, Dim.of(3));
        Value loss = b.reduceSum(b.mul(b.detach(b.tanh(p)), q), false);
        b.output(loss, "loss");
        Graph training = Autodiff.differentiate(b.graph(), List.of("loss"), List.of("p", "q"));
        Map<String, HostTensor> got = run(training, Map.of("p", random(2, 3), "q", random(3)), "grad/p", "grad/q");
        assertArrayEquals(new long[] {2, 3}, got.get("grad/p").shape());
        assertTrue(Arrays.stream(got.get("grad/p").toDoubles()).allMatch(v -> v == 0));
        assertTrue(Arrays.stream(got.get("grad/q").toDoubles()).anyMatch(v -> v != 0));
    }

    @Test
    void parametersNotReachingTheLossGetZerosOfTheirShape() throws Exception {
        GraphBuilder b = new GraphBuilder("unused");
        Value x = b.input("x", DType.DOUBLE, Dim.of(2), Dim.of(3));
        Value unused = b.input("unused", DType.DOUBLE, Dim.sym("batch"), Dim.of(4));
        Value sideOnly = b.input("side", DType.DOUBLE, Dim.of(5));
        b.output(b.exp(sideOnly), "side_output"); // another output, but not a seed
        b.output(b.reduceSum(b.tanh(x), false), "loss");
        Graph training = Autodiff.differentiate(b.graph(), List.of("loss"), List.of("x", "unused", "side"));
        assertEquals(unused.type(), training.type("grad/unused"));
        Map<String, HostTensor> got = run(training,
                Map.of("x", random(2, 3), "unused", random(3, 4), "side", random(5)),
                "grad/x", "grad/unused", "grad/side");
        assertArrayEquals(new long[] {3, 4}, got.get("grad/unused").shape());
        assertArrayEquals(new long[] {5}, got.get("grad/side").shape());
        assertTrue(Arrays.stream(got.get("grad/unused").toDoubles()).allMatch(v -> v == 0));
        assertTrue(Arrays.stream(got.get("grad/side").toDoubles()).allMatch(v -> v == 0));
    }

    // ------------------------------------------------------------------ accumulation and seeds

    @Test
    void aValueWithSeveralConsumersAccumulates() throws Exception {
        GraphBuilder b = new GraphBuilder("fan_out");
        Value x = b.input("x", DType.DOUBLE, Dim.of(3), Dim.of(4));
        Value w = b.input("w", DType.DOUBLE, Dim.of(4), Dim.of(2));
        Value h = b.tanh(x);
        // h feeds a Mul (twice), an Add, a MatMul and a reduction
        Value a = b.reduceSum(b.mul(h, h), false);
        Value c = b.reduceSum(b.matMul(b.add(h, x), w), false);
        Value d = b.reduceMean(h, false, 1);
        Value loss = b.add(b.add(a, c), b.reduceSum(b.mul(d, d), false));
        b.output(loss, "loss");
        Graph training = Autodiff.differentiate(b.graph(), List.of("loss"), List.of("x", "w"));
        assertTrue(training.nodes().stream().anyMatch(n -> n.opType().equals("Sum")), "contributions are summed");
        assertFdAgrees(b.graph(), Map.of("x", random(3, 4), "w", random(4, 2)), List.of("x", "w"));
    }

    /** Seeds [l1, l2] differentiate l1 + l2, also when l2 depends on l1. */
    @Test
    void multipleSeedsSum() throws Exception {
        GraphBuilder b = new GraphBuilder("seeds");
        Value x = b.input("x", DType.DOUBLE, Dim.sym("batch"), Dim.of(3));
        Value w = b.input("w", DType.DOUBLE, Dim.of(3));
        Value l1 = b.reduceSum(b.mul(b.tanh(x), w), false);
        Value l2 = b.add(b.reduceMean(b.mul(x, x), false, 0, 1), b.scale(l1, 3.0));
        Value l3 = b.reduceSum(b.sigmoid(w), false); // depends on w only
        b.output(l1, "l1");
        b.output(l2, "l2");
        b.output(l3, "l3");
        b.output(b.add(b.add(l1, l2), l3), "loss");
        Map<String, HostTensor> feeds = Map.of("x", random(4, 3), "w", random(3));
        assertFdAgrees(b.graph(), feeds, List.of("x", "w"));
        Map<String, double[]> expected = new GradCheck(b.graph(), "loss", feeds, List.of("x", "w")).analytic();

        Graph seeded = Autodiff.differentiate(b.graph(), List.of("l1", "l2", "l3"), List.of("x", "w"));
        Map<String, HostTensor> got = run(seeded, feeds, "grad/x", "grad/w");
        assertClose(expected.get("x"), got.get("grad/x").toDoubles(), "grad/x");
        assertClose(expected.get("w"), got.get("grad/w").toDoubles(), "grad/w");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void anOpWithoutGradientRuleOnTheGradientPathIsNamed() {
        for (String op : List.of("Max", "Pad")) {
            GraphBuilder b = new GraphBuilder("unsupported");
            Value x = b.input("x", DType.DOUBLE, Dim.of(2), Dim.of(3));
            Value y;
            try (var s = b.scope("block")) {
                y = op.equals("Max")
                        ? b.op1("Max", List.of(x, b.scalarLike(0, x)))
                        : b.op1("Pad", List.of(x, b.ints(0, 1, 0, 1)));
            }
            b.output(b.reduceSum(b.tanh(y), false), "loss");
            GraphException e = assertThrows(GraphException.class,
                    () -> Autodiff.differentiate(b.graph(), List.of("loss"), List.of("x")));
            assertTrue(e.getMessage().contains("'" + op + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("node 'block/" + op + "'"), e.getMessage());
        }
    }

    /** The same ops are fine where no gradient has to pass: on constants, or off the path to the loss. */
    @Test
    void opsWithoutGradientRuleOffThePathAreFine() throws Exception {
        GraphBuilder b = new GraphBuilder("off_path");
        Value x = b.input("x", DType.DOUBLE, Dim.of(2), Dim.of(3));
        Value data = b.input("data", DType.DOUBLE, Dim.of(2), Dim.of(3));
        Value clipped = b.op1("Max", List.of(data, b.scalarLike(0, data))); // no parameter upstream
        Value padded = b.op1("Pad", List.of(x, b.ints(1, 0, 0, 0)));
        b.output(padded, "padded"); // depends on x but does not reach the loss
        b.output(b.reduceSum(b.mul(b.tanh(x), clipped), false), "loss");
        Map<String, HostTensor> feeds = Map.of("x", random(2, 3), "data", random(2, 3));
        assertFdAgrees(b.graph(), feeds, List.of("x"));
    }

    @Test
    void anUnknownOpInAnImportedModelIsAClearError() {
        GraphBuilder b = new GraphBuilder("imported");
        Value x = b.input("x", DType.FLOAT, Dim.of(3));
        b.output(b.tanh(x), "y");
        ModelProto model = OnnxModels.toProto(b.graph());
        ModelProto withCos = model.toBuilder().setGraph(model.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("trig/cosine").setOpType("Cos").addInput("y").addOutput("z"))).build();
        GraphException e = assertThrows(GraphException.class, () -> OnnxModels.fromProto(withCos));
        assertTrue(e.getMessage().contains("'Cos'") && e.getMessage().contains("'trig/cosine'"), e.getMessage());
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());

        ModelProto foreign = model.toBuilder().setGraph(model.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("ms/gelu").setOpType("Gelu").setDomain("com.microsoft")
                        .addInput("y").addOutput("z"))).build();
        GraphException e2 = assertThrows(GraphException.class, () -> OnnxModels.fromProto(foreign));
        assertTrue(e2.getMessage().contains("com.microsoft") && e2.getMessage().contains("'ms/gelu'"), e2.getMessage());
    }

    @Test
    void invalidSeedsAndParametersAreRejected() {
        GraphBuilder b = new GraphBuilder("invalid");
        Value x = b.input("x", DType.DOUBLE, Dim.of(3));
        Value n = b.input("n", DType.INT64, Dim.of(3));
        Value y = b.tanh(x);
        b.output(b.reduceSum(y, false), "loss");
        Graph g = b.graph();
        assertThrows(GraphException.class, () -> Autodiff.differentiate(g, List.of(y.name()), List.of("x")), "non-scalar seed");
        assertThrows(GraphException.class, () -> Autodiff.differentiate(g, List.of("nope"), List.of("x")), "unknown seed");
        assertThrows(GraphException.class, () -> Autodiff.differentiate(g, List.of("loss"), List.of(y.name())), "not an input");
        assertThrows(GraphException.class, () -> Autodiff.differentiate(g, List.of("loss"), List.of(n.name())), "int input");
    }

    // ------------------------------------------------------------------ serialisation and symbolic dims

    /** A model with detach, saved and re-read: same stop-gradient set, same training graph results. */
    @Test
    void aRoundTrippedGraphDifferentiatesTheSameWay() throws Exception {
        Graph original = classifier(null);
        Graph reread = OnnxModels.fromProto(OnnxModels.toProto(original));
        assertEquals(original.stopGradient(), reread.stopGradient());
        assertFalse(reread.stopGradient().isEmpty());

        Map<String, HostTensor> feeds = new LinkedHashMap<>();
        feeds.put("x", random(3, 3));
        feeds.put("w", random(2, 3));
        feeds.put("scale", random(3, 2));
        feeds.put("labels", HostTensor.of(new long[] {1, 1, 0}, 3));
        Map<String, HostTensor> a = run(Autodiff.differentiate(original, List.of("loss"), List.of("x", "w")), feeds, "grad/x", "grad/w");
        Graph rereadTraining = Autodiff.differentiate(reread, List.of("loss"), List.of("x", "w"));
        // and the training graph itself survives a round trip
        Graph rereadTwice = OnnxModels.fromProto(OnnxModels.toProto(rereadTraining));
        Map<String, HostTensor> c = run(rereadTwice, feeds, "grad/x", "grad/w");
        Map<String, HostTensor> bb = run(rereadTraining, feeds, "grad/x", "grad/w");
        for (String k : List.of("grad/x", "grad/w")) {
            assertArrayEquals(a.get(k).toDoubles(), bb.get(k).toDoubles(), 0, k);
            assertArrayEquals(a.get(k).toDoubles(), c.get(k).toDoubles(), 0, k);
        }
        // without the metadata the detached path would count: the gradient must differ
        Graph forgotten = OnnxModels.fromProto(OnnxModels.toProto(original).toBuilder().clearMetadataProps().build());
        Map<String, HostTensor> d = run(Autodiff.differentiate(forgotten, List.of("loss"), List.of("x", "w")), feeds, "grad/w");
        assertFalse(Arrays.equals(a.get("grad/w").toDoubles(), d.get("grad/w").toDoubles()));
    }

    /** One training graph, one session, two batch sizes; each checked against finite differences. */
    @Test
    void symbolicDimsWorkAtTwoBatchSizes() throws Exception {
        GraphBuilder b = new GraphBuilder("symbolic");
        Dim batch = Dim.sym("batch");
        Value x = b.input("x", DType.DOUBLE, batch, Dim.of(3));
        Value w = b.input("w", DType.DOUBLE, Dim.of(4), Dim.of(3));
        Value bias = b.input("bias", DType.DOUBLE, Dim.of(4));
        Value labels = b.input("labels", DType.INT64, batch);
        Value h = b.tanh(b.linear(x, w, bias));
        Value pooled = b.reduceMean(h, false, 0); // mean over the batch: count known only at run time
        Value ce = b.softmaxCrossEntropy(h, labels, null);
        b.output(b.add(ce, b.reduceSum(b.mul(pooled, pooled), false)), "loss");
        List<String> wrt = List.of("x", "w", "bias");
        Graph training = Autodiff.differentiate(b.graph(), List.of("loss"), wrt);

        HostTensor wv = random(4, 3);
        HostTensor bv = random(4);
        try (OrtModel session = OrtModel.load(OnnxModels.toBytes(training))) {
            for (int n : new int[] {2, 5}) {
                long[] lab = new long[n];
                for (int i = 0; i < n; i++) {
                    lab[i] = i % 4;
                }
                Map<String, HostTensor> feeds = Map.of("x", random(n, 3), "w", wv, "bias", bv, "labels", HostTensor.of(lab, n));
                Map<String, HostTensor> got = session.run(feeds, "grad/x", "grad/w", "grad/bias");
                assertArrayEquals(new long[] {n, 3}, got.get("grad/x").shape());
                GradCheck fd = new GradCheck(b.graph(), "loss", feeds, wrt).tolerance(RTOL, ATOL);
                assertEquals(List.of(), fd.checkAll(), "batch " + n);
                for (String p : wrt) {
                    assertClose(fd.lastAnalytic().get(p), got.get("grad/" + p).toDoubles(), "batch " + n + " grad/" + p);
                }
            }
        }
    }
}
