package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.testing.GradCheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One small forward graph around an op under test, checked against central finite differences on
 * ONNX Runtime. Differentiated inputs are declared with {@link #param}, fed-but-constant inputs
 * with {@link #data}; {@link #check} closes the graph with {@code loss = Σ ReduceSum(out · R)}
 * for random constant weights R, so every output element receives a distinct upstream gradient
 * (a plain sum would hide transposed or permuted gradients).
 */
final class OpHarness {
    /*
     * Double precision: ORT evaluates everything in float64, so central differences with a
     * relative step of 1e-6 carry truncation error ~1e-12 and rounding error ~1e-10 of the loss;
     * 1e-6 relative agreement is demanded.
     */
    static final double DOUBLE_EPS = 1e-6;
    static final double DOUBLE_RTOL = 1e-6;
    static final double DOUBLE_ATOL = 1e-8;
    /*
     * Float precision, only where ORT has no double kernel: Erf (ORT 1.29's CPU provider
     * registers it for float only). The loss rounds at ~1e-7 relative, so the step must be large
     * (1e-2; truncation ~1e-4) and agreement is demanded to 1e-2 relative. Rules with a float-only
     * path of their own (LayerNormalization's stashed statistics) are instead compared with the
     * finite-difference-checked double gradients: see checkFloatAgainstDouble.
     */
    static final double FLOAT_EPS = 1e-2;
    static final double FLOAT_RTOL = 1e-2;
    static final double FLOAT_ATOL = 1e-3;
    /*
     * Float for linear ops ORT has no double kernel for (Conv, ConvTranspose, AveragePool,
     * GlobalAveragePool): the op is linear in each input (Conv is bilinear in X and W) and the
     * harness loss Σ out·R is linear in out, so the loss is affine in every single element and a
     * central difference has no truncation error whatever the step. A large step (0.5) leaves
     * only the float rounding of the loss: measured at most 9e-6 absolute on the Conv cases
     * (gradients ~0.1–10), so 3e-5 + 1e-4 relative is demanded (HarnessSanityTest shows a 1e-3
     * error is caught). Only for single-op graphs whose params enter linearly — anything
     * nonlinear on the path would make the large step wrong. Keep shapes small: the rounding
     * grows with the number of loss terms.
     */
    static final double LINEAR_EPS = 0.5;
    static final double LINEAR_RTOL = 1e-4;
    static final double LINEAR_ATOL = 3e-5;

    /** Draws one input element. */
    @FunctionalInterface
    interface Sampler {
        double sample(Random rng);
    }

    static Sampler uniform(double lo, double hi) {
        return r -> lo + (hi - lo) * r.nextDouble();
    }

    /** |v| in [lo, hi] with a random sign: keeps kinks (Abs, Relu) and poles (Div) out of reach of the FD step. */
    static Sampler awayFromZero(double lo, double hi) {
        return r -> (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble());
    }

    static final Sampler STANDARD = uniform(-1, 1);

    final GraphBuilder b;
    final DType dtype;
    final Random rng;
    private final Map<String, HostTensor> feeds = new LinkedHashMap<>();
    private final List<String> wrt = new ArrayList<>();
    private double eps;
    private double rtol;
    private double atol;
    private boolean allowZeroGradient;
    private boolean floatRepresentable;
    private int weights;

    OpHarness(DType dtype, long seed) {
        this.dtype = dtype;
        this.rng = new Random(seed);
        this.b = new GraphBuilder("op_under_test");
        boolean dbl = dtype == DType.DOUBLE;
        this.eps = dbl ? DOUBLE_EPS : FLOAT_EPS;
        this.rtol = dbl ? DOUBLE_RTOL : FLOAT_RTOL;
        this.atol = dbl ? DOUBLE_ATOL : FLOAT_ATOL;
    }

    static OpHarness doubles(long seed) {
        return new OpHarness(DType.DOUBLE, seed);
    }

    static OpHarness floats(long seed) {
        return new OpHarness(DType.FLOAT, seed);
    }

    /** Float with an exact large-step difference, for ops linear in every param (see LINEAR_EPS). */
    static OpHarness floatsLinear(long seed) {
        return new OpHarness(DType.FLOAT, seed).eps(LINEAR_EPS).tolerance(LINEAR_RTOL, LINEAR_ATOL);
    }

    OpHarness tolerance(double relative, double absolute) {
        this.rtol = relative;
        this.atol = absolute;
        return this;
    }

    OpHarness eps(double e) {
        this.eps = e;
        return this;
    }

    /** Lets a parameter's gradient be identically zero (e.g. only a discarded piece of it is used). */
    OpHarness allowZeroGradient() {
        this.allowZeroGradient = true;
        return this;
    }

    /** Draws only float-representable values, so a float and a double harness with one seed see the same inputs. */
    OpHarness floatRepresentable() {
        this.floatRepresentable = true;
        return this;
    }

    static Dim[] dims(long... sizes) {
        return Arrays.stream(sizes).mapToObj(Dim::of).toArray(Dim[]::new);
    }

    HostTensor random(Sampler s, long... shape) {
        return random(dtype, s, shape);
    }

    HostTensor random(DType t, Sampler s, long... shape) {
        double[] v = new double[(int) HostTensor.count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = s.sample(rng);
            if (floatRepresentable) {
                v[i] = (float) v[i];
            }
        }
        return HostTensor.ofDoubles(t, v, shape);
    }

    /** A differentiated input of static shape, uniform in [-1, 1]. */
    Value param(String name, long... shape) {
        return param(name, STANDARD, shape);
    }

    Value param(String name, Sampler s, long... shape) {
        return param(name, random(s, shape));
    }

    /** A differentiated input fed {@code value}, declared with {@code declared} (may be symbolic; default: the value's shape). */
    Value param(String name, HostTensor value, Dim... declared) {
        Value v = data(name, value, declared);
        wrt.add(name);
        return v;
    }

    /** A fed input that is not differentiated (labels, conditions, indices, …). */
    Value data(String name, HostTensor value, Dim... declared) {
        Dim[] d = declared.length == 0 ? dims(value.shape()) : declared;
        if (d.length != value.shape().length) {
            throw new IllegalArgumentException(name + ": declared rank " + d.length + " for value " + value);
        }
        feeds.put(name, value);
        return b.input(name, TensorType.of(value.dtype(), d));
    }

    Map<String, HostTensor> feeds() {
        return feeds;
    }

    List<String> wrt() {
        return wrt;
    }

    /** Asserts autodiff agrees with finite differences for every element of every param. */
    void check(Value... outs) throws Exception {
        GradCheck gc = gradCheck(outs);
        List<GradCheck.Mismatch> bad = gc.checkAll();
        assertEquals(List.of(), bad, "autodiff disagrees with finite differences");
        if (!allowZeroGradient) {
            // a vacuous check (loss not depending on a param) would pass silently otherwise
            gc.lastAnalytic().forEach((w, g) -> assertTrue(Arrays.stream(g).anyMatch(x -> x != 0),
                    "gradient of '" + w + "' is identically zero"));
        }
    }

    /** Builds the graph under test from a harness. */
    @FunctionalInterface
    interface Body {
        Value[] build(OpHarness h) throws Exception;
    }

    /**
     * For rules with a float-only path: builds {@code body} in double and in float on the same
     * (float-representable) inputs, checks the double gradients against finite differences at
     * double tolerance, then the float gradients against the double ones at float precision
     * (1e-4 relative) — far tighter than finite differences taken in float could be.
     */
    static void checkFloatAgainstDouble(long seed, Body body) throws Exception {
        checkFloatAgainstDouble(seed, body, body);
    }

    /**
     * The same with a different double graph: for a float-only op ({@code floatBody}), a
     * composition of double-capable ops computing the same function ({@code doubleBody}; it must
     * declare the same params in the same order). Its gradients are finite-difference-checked in
     * double, and the op's forward loss and gradients must match it at float precision.
     */
    static void checkFloatAgainstDouble(long seed, Body floatBody, Body doubleBody) throws Exception {
        OpHarness d = doubles(seed).floatRepresentable();
        GradCheck gd = d.gradCheck(doubleBody.build(d));
        assertEquals(List.of(), gd.checkAll(), "double: autodiff disagrees with finite differences");
        OpHarness f = floats(seed).floatRepresentable();
        GradCheck gf = f.gradCheck(floatBody.build(f));
        if (floatBody != doubleBody) {
            double l64 = d.loss();
            double l32 = f.loss();
            assertTrue(Math.abs(l64 - l32) <= 1e-5 * Math.max(1, Math.abs(l64)), "float loss " + l32 + " vs double " + l64);
        }
        Map<String, double[]> g32 = gf.analytic();
        for (String w : d.wrt) {
            double[] expected = gd.lastAnalytic().get(w);
            double[] actual = g32.get(w);
            assertTrue(Arrays.stream(expected).anyMatch(x -> x != 0), "gradient of '" + w + "' is identically zero");
            for (int i = 0; i < expected.length; i++) {
                double tol = 1e-5 + 1e-4 * Math.max(Math.abs(expected[i]), Math.abs(actual[i]));
                if (Math.abs(expected[i] - actual[i]) > tol) {
                    throw new AssertionError("float gradient of " + w + "[" + i + "] is " + actual[i]
                            + ", double gradient " + expected[i]);
                }
            }
        }
    }

    /** The loss of the closed graph (after {@link #gradCheck}) at the fed inputs. */
    double loss() throws Exception {
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(b.graph()))) {
            return m.run(feeds, "loss").get("loss").item();
        }
    }

    /** Closes the graph with the weighted loss and returns the (not yet run) check. */
    GradCheck gradCheck(Value... outs) throws Exception {
        assertFalse(wrt.isEmpty(), "nothing to differentiate");
        Value loss = weightedLoss(outs);
        b.output(loss, "loss");
        return new GradCheck(b.graph(), "loss", feeds, wrt).eps(eps).tolerance(rtol, atol);
    }

    /** {@code Σ_i ReduceSum(out_i · R_i)} with R_i random in ±[0.5, 1.5]. */
    Value weightedLoss(Value... outs) throws Exception {
        Value loss = null;
        for (Value out : outs) {
            long[] shape = runtimeShape(out);
            HostTensor r = random(out.dtype(), awayFromZero(0.5, 1.5), shape);
            Value weight;
            if (out.shape().isStatic()) {
                weight = b.constant(Tensors.of("", out.dtype(), shape, r.toDoubles()));
            } else {
                // symbolic output: R is fed at run time with the extent the probe found
                String name = "R" + weights++;
                feeds.put(name, r);
                weight = b.input(name, out.type());
            }
            Value weighted = b.mul(out, weight);
            Value term = out.rank() == 0 ? weighted : b.reduceSum(weighted, false);
            loss = loss == null ? term : b.add(loss, term);
        }
        return loss;
    }

    /** Asserts that ONNX Runtime computes the extents type inference gave {@code outs} (where they are known). */
    void assertTypedShapes(Value... outs) throws Exception {
        Graph probe = b.graph().copy();
        for (Value v : outs) {
            probe.addOutput(v.name());
        }
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(probe))) {
            Map<String, HostTensor> got = m.run(feeds, Arrays.stream(outs).map(Value::name).toArray(String[]::new));
            for (Value v : outs) {
                long[] actual = got.get(v.name()).shape();
                assertEquals(v.rank(), actual.length, "typed rank of " + v.name() + " vs ONNX Runtime");
                for (int i = 0; i < actual.length; i++) {
                    Dim d = v.dim(i);
                    assertTrue(!d.isKnown() || d.size() == actual[i], "typed shape of " + v.name() + " is "
                            + v.shape() + ", ONNX Runtime computes " + Arrays.toString(actual));
                }
            }
        }
    }

    /** The run-time shape of {@code v}: static, or found by running the graph built so far. */
    long[] runtimeShape(Value v) throws Exception {
        if (v.shape().isStatic()) {
            return v.shape().sizes();
        }
        Graph probe = b.graph().copy();
        probe.addOutput(v.name());
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(probe))) {
            return m.run(feeds, v.name()).get(v.name()).shape();
        }
    }
}
