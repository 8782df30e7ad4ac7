package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static dev.cggm.onnx.ops.OpHarness.awayFromZero;
import static dev.cggm.onnx.ops.OpHarness.dims;
import static dev.cggm.onnx.ops.OpHarness.uniform;

/**
 * Finite-difference checks of the elementwise rules: binary broadcasting ops over fixed and
 * seeded random shape pairs (rank differences, size-1 axes on either side, symbolic dims), the
 * n-ary Sum, Where, every unary op and Cast.
 */
class ElementwiseGradTest {

    /** Two operand shapes: as fed, and as declared (declared dims may be symbolic). */
    record Operands(String name, Dim[] declA, long[] a, Dim[] declB, long[] b) {
        static Operands of(String name, long[] a, long[] b) {
            return new Operands(name, dims(a), a, dims(b), b);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Dim BATCH = Dim.sym("batch");

    static List<Operands> broadcastCases() {
        List<Operands> cases = new ArrayList<>(List.of(
                Operands.of("same [2,3]", new long[] {2, 3}, new long[] {2, 3}),
                Operands.of("rank diff [2,3,4]+[4]", new long[] {2, 3, 4}, new long[] {4}),
                Operands.of("rank diff [3]+[2,4,3]", new long[] {3}, new long[] {2, 4, 3}),
                Operands.of("size-1 both sides [2,1,4]+[1,3,1]", new long[] {2, 1, 4}, new long[] {1, 3, 1}),
                Operands.of("outer [3,1]+[1,4]", new long[] {3, 1}, new long[] {1, 4}),
                Operands.of("scalar right", new long[] {2, 3}, new long[] {}),
                Operands.of("scalar left", new long[] {}, new long[] {2, 3}),
                new Operands("symbolic [batch,3]+[3]", new Dim[] {BATCH, Dim.of(3)}, new long[] {2, 3},
                        dims(3), new long[] {3}),
                new Operands("symbolic [batch,1,4]+[batch,3,1]", new Dim[] {BATCH, Dim.of(1), Dim.of(4)},
                        new long[] {2, 1, 4}, new Dim[] {BATCH, Dim.of(3), Dim.of(1)}, new long[] {2, 3, 1}),
                new Operands("symbolic [batch,3]+[1,3]", new Dim[] {BATCH, Dim.of(3)}, new long[] {3, 3},
                        dims(1, 3), new long[] {1, 3}),
                // two different symbols: which side broadcasts is only known at run time
                new Operands("symbols [n,3]+[batch,3], n=1", new Dim[] {Dim.sym("n"), Dim.of(3)}, new long[] {1, 3},
                        new Dim[] {BATCH, Dim.of(3)}, new long[] {4, 3}),
                // a symbol against a known extent: it may be that extent, or 1 (broadcast)
                new Operands("symbol [batch,4]+[3,4], batch=1", new Dim[] {BATCH, Dim.of(4)}, new long[] {1, 4},
                        dims(3, 4), new long[] {3, 4}),
                new Operands("symbol [batch,4]+[3,4], batch=3", new Dim[] {BATCH, Dim.of(4)}, new long[] {3, 4},
                        dims(3, 4), new long[] {3, 4})));
        Random rng = new Random(42);
        for (int i = 0; i < 6; i++) {
            cases.add(randomPair(rng, i));
        }
        return cases;
    }

    /**
     * An output shape of rank 1–4 with extents 2–4; each operand takes a random suffix of it
     * (rank difference) and sets random axes to 1 (broadcast along them).
     */
    static Operands randomPair(Random rng, int i) {
        int rank = 1 + rng.nextInt(4);
        long[] out = new long[rank];
        for (int d = 0; d < rank; d++) {
            out[d] = 2 + rng.nextInt(3);
        }
        long[] a = operand(rng, out);
        long[] b = operand(rng, out);
        return Operands.of("random #" + i + " " + java.util.Arrays.toString(a) + "+" + java.util.Arrays.toString(b), a, b);
    }

    private static long[] operand(Random rng, long[] out) {
        int rank = rng.nextInt(out.length + 1);
        long[] s = java.util.Arrays.copyOfRange(out, out.length - rank, out.length);
        for (int d = 0; d < rank; d++) {
            if (rng.nextInt(3) == 0) {
                s[d] = 1;
            }
        }
        return s;
    }

    record Binary(String op, OpHarness.Sampler a, OpHarness.Sampler b) {
        @Override
        public String toString() {
            return op;
        }
    }

    static final List<Binary> BINARY = List.of(
            new Binary("Add", OpHarness.STANDARD, OpHarness.STANDARD),
            new Binary("Sub", OpHarness.STANDARD, OpHarness.STANDARD),
            new Binary("Mul", OpHarness.STANDARD, OpHarness.STANDARD),
            // divisor kept away from the pole
            new Binary("Div", OpHarness.STANDARD, awayFromZero(0.5, 1.5)),
            // positive base so that the exponent's gradient (y·ln x) is defined
            new Binary("Pow", uniform(0.5, 1.5), uniform(-1.5, 2.5)));

    static Stream<Arguments> binaryCases() {
        return BINARY.stream().flatMap(op -> broadcastCases().stream().map(c -> Arguments.of(op, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("binaryCases")
    void binaryBroadcasting(Binary op, Operands c) throws Exception {
        OpHarness h = OpHarness.doubles(c.hashCode() * 31L + op.op().hashCode());
        Value a = h.param("a", h.random(op.a(), c.a()), c.declA());
        Value b = h.param("b", h.random(op.b(), c.b()), c.declB());
        h.check(h.b.op1(op.op(), List.of(a, b)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Add", "Sub", "Mul", "Div", "Pow"})
    void binaryWithOneOperandNotDifferentiated(String op) throws Exception {
        // only the left operand is a parameter
        OpHarness left = OpHarness.doubles(7);
        Value a = left.param("a", uniform(0.5, 1.5), 2, 3);
        Value b = left.data("b", left.random(awayFromZero(0.5, 1.5), 3));
        left.check(left.b.op1(op, List.of(a, b)));
        // only the right operand is a parameter
        OpHarness right = OpHarness.doubles(8);
        Value a2 = right.data("a", right.random(uniform(0.5, 1.5), 2, 1));
        Value b2 = right.param("b", awayFromZero(0.5, 1.5), 2, 3);
        right.check(right.b.op1(op, List.of(a2, b2)));
    }

    @Test
    void powWithConstantExponents() throws Exception {
        OpHarness h = OpHarness.doubles(11);
        Value x = h.param("x", awayFromZero(0.3, 1.5), 3, 4);
        GraphBuilder b = h.b;
        // a double scalar, an int64 exponent (cast inside the rule) and a constant tensor exponent
        Value y1 = b.pow(x, 3.0);
        Value y2 = b.pow(x, b.constant(Tensors.longs("", new long[0], new long[] {2})));
        Value y3 = b.pow(b.abs(x), b.constant(Tensors.doubles("", new long[] {4}, new double[] {0.5, 1.5, -1.0, 2.5})));
        h.check(y1, y2, y3);
    }

    static Stream<Arguments> sumCases() {
        return Stream.of(
                Arguments.of("two inputs", new long[][] {{2, 3}, {2, 3}}, null),
                Arguments.of("three broadcast inputs", new long[][] {{2, 3, 4}, {3, 1}, {4}}, null),
                Arguments.of("scalar and size-1 axes", new long[][] {{}, {2, 1}, {1, 3}, {2, 3}}, null),
                Arguments.of("symbolic batch", new long[][] {{3, 4}, {4}, {3, 1}},
                        new Dim[][] {{BATCH, Dim.of(4)}, {Dim.of(4)}, {BATCH, Dim.of(1)}}));
    }

    /** Seeded random operand shapes for the n-ary ops: Sum of 3 operands, Where's (cond, a, b). */
    static Stream<Arguments> randomTriples() {
        Random rng = new Random(43);
        List<Arguments> cases = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int rank = 1 + rng.nextInt(4);
            long[] out = new long[rank];
            for (int d = 0; d < rank; d++) {
                out[d] = 2 + rng.nextInt(3);
            }
            cases.add(Arguments.of(i, operand(rng, out), operand(rng, out), operand(rng, out)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "Sum random #{0} {1}+{2}+{3}")
    @MethodSource("randomTriples")
    void sumRandomShapes(int i, long[] s0, long[] s1, long[] s2) throws Exception {
        OpHarness h = OpHarness.doubles(500 + i);
        h.check(h.b.op1("Sum", List.of(h.param("t0", s0), h.param("t1", s1), h.param("t2", s2))));
    }

    @ParameterizedTest(name = "Where random #{0} cond={1} a={2} b={3}")
    @MethodSource("randomTriples")
    void whereRandomShapes(int i, long[] cond, long[] a, long[] b) throws Exception {
        OpHarness h = OpHarness.doubles(600 + i);
        boolean[] mask = new boolean[(int) HostTensor.count(cond)];
        for (int k = 0; k < mask.length; k++) {
            mask[k] = h.rng.nextBoolean();
        }
        Value c = h.data("cond", HostTensor.of(mask, cond));
        // a constant-true or -false condition would leave one side with a zero gradient
        h.allowZeroGradient();
        h.check(h.b.where(c, h.param("a", a), h.param("b", b)));
    }

    @ParameterizedTest(name = "Sum {0}")
    @MethodSource("sumCases")
    void sum(String name, long[][] shapes, Dim[][] declared) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        List<Value> terms = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            HostTensor v = h.random(OpHarness.STANDARD, shapes[i]);
            terms.add(h.param("t" + i, v, declared == null ? dims(shapes[i]) : declared[i]));
        }
        h.check(h.b.op1("Sum", terms));
    }

    @Test
    void sumWithARepeatedOperandAccumulates() throws Exception {
        OpHarness h = OpHarness.doubles(5);
        Value x = h.param("x", 2, 3);
        Value y = h.param("y", 3);
        h.check(h.b.op1("Sum", List.of(x, y, x)));
    }

    static Stream<Arguments> whereCases() {
        return Stream.of(
                Arguments.of("same shapes", new long[] {2, 3}, new long[] {2, 3}, new long[] {2, 3}, false),
                Arguments.of("all broadcast", new long[] {1, 3}, new long[] {2, 1}, new long[] {3}, false),
                Arguments.of("condition widest", new long[] {2, 3, 4}, new long[] {4}, new long[] {3, 1}, false),
                Arguments.of("scalar branch", new long[] {2, 3}, new long[] {}, new long[] {2, 3}, false),
                Arguments.of("symbolic batch", new long[] {3, 4}, new long[] {3, 4}, new long[] {4}, true));
    }

    @ParameterizedTest(name = "Where {0}")
    @MethodSource("whereCases")
    void where(String name, long[] cond, long[] a, long[] b, boolean symbolic) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        boolean[] mask = new boolean[(int) HostTensor.count(cond)];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 3 != 1; // both branches selected somewhere
        }
        Dim[] condDecl = symbolic ? new Dim[] {BATCH, Dim.of(cond[1])} : dims(cond);
        Dim[] aDecl = symbolic ? new Dim[] {BATCH, Dim.of(a[1])} : dims(a);
        Value c = h.data("cond", HostTensor.of(mask, cond), condDecl);
        Value va = h.param("a", h.random(OpHarness.STANDARD, a), aDecl);
        Value vb = h.param("b", h.random(OpHarness.STANDARD, b));
        h.check(h.b.where(c, va, vb));
    }

    record UnaryCase(String op, OpHarness.Sampler sampler) {
        @Override
        public String toString() {
            return op;
        }
    }

    static final List<UnaryCase> UNARY = List.of(
            new UnaryCase("Neg", OpHarness.STANDARD),
            new UnaryCase("Abs", awayFromZero(0.1, 1.5)), // kink at 0
            new UnaryCase("Relu", awayFromZero(0.1, 1.5)), // kink at 0
            new UnaryCase("Exp", uniform(-2, 2)),
            new UnaryCase("Log", uniform(0.2, 3)),
            new UnaryCase("Sqrt", uniform(0.2, 3)),
            new UnaryCase("Reciprocal", awayFromZero(0.3, 2)),
            new UnaryCase("Tanh", uniform(-2, 2)),
            new UnaryCase("Sigmoid", uniform(-3, 3)),
            new UnaryCase("Identity", OpHarness.STANDARD));

    static Stream<Arguments> unaryCases() {
        return UNARY.stream().flatMap(u -> Stream.of(
                Arguments.of(u, new long[] {2, 3, 4}, false),
                Arguments.of(u, new long[] {3, 5}, true),
                Arguments.of(u, new long[] {}, false)));
    }

    @ParameterizedTest(name = "{0} {1} symbolic={2}")
    @MethodSource("unaryCases")
    void unary(UnaryCase u, long[] shape, boolean symbolic) throws Exception {
        OpHarness h = OpHarness.doubles(u.op().hashCode() + shape.length);
        Dim[] decl = symbolic ? new Dim[] {BATCH, Dim.of(shape[1])} : dims(shape);
        Value x = h.param("x", h.random(u.sampler(), shape), decl);
        h.check(h.b.op1(u.op(), List.of(x)));
    }

    /** ORT has no double Erf kernel (CPU provider registers float only), so Erf is checked in float. */
    @Test
    void erfInFloat() throws Exception {
        OpHarness h = OpHarness.floats(3);
        Value x = h.param("x", uniform(-1.5, 1.5), 3, 4);
        Value s = h.param("s", h.random(uniform(-1.5, 1.5), 5), BATCH);
        h.check(h.b.erf(x), h.b.erf(s));
    }

    /** The unary rules composed: a GELU built from Erf in float, and a chain of doubles. */
    @Test
    void composedUnaryChains() throws Exception {
        OpHarness f = OpHarness.floats(4);
        Value x = f.param("x", uniform(-2, 2), 2, 5);
        GraphBuilder b = f.b;
        Value gelu = b.mul(b.scale(x, 0.5), b.add(b.scalarLike(1, x), b.erf(b.scale(x, 1 / Math.sqrt(2)))));
        f.check(gelu);

        OpHarness d = OpHarness.doubles(4);
        Value y = d.param("y", uniform(-2, 2), 2, 5);
        GraphBuilder g = d.b;
        Value chain = g.sqrt(g.add(g.exp(g.tanh(y)), g.sigmoid(g.neg(y))));
        d.check(g.log(g.op1("Reciprocal", List.of(chain))));
    }

    /** Cast between float and double: the gradient is cast back. FD runs through a float stage, so it is float-accurate only. */
    @Test
    void castDoubleToFloatAndBack() throws Exception {
        OpHarness h = OpHarness.doubles(9).eps(1e-3).tolerance(1e-3, 1e-5);
        Value x = h.param("x", uniform(-2, 2), 3, 4);
        GraphBuilder b = h.b;
        Value inFloat = b.tanh(b.cast(x, DType.FLOAT));
        h.check(b.cast(inFloat, DType.DOUBLE));
    }

    @Test
    void castFloatToDoubleAndBack() throws Exception {
        OpHarness h = OpHarness.floats(10);
        Value x = h.param("x", h.random(uniform(-2, 2), 4, 3), BATCH, Dim.of(3));
        GraphBuilder b = h.b;
        Value inDouble = b.tanh(b.cast(x, DType.DOUBLE));
        h.check(b.cast(inDouble, DType.FLOAT));
    }

    @Test
    void castToOwnType() throws Exception {
        OpHarness h = OpHarness.doubles(12);
        Value x = h.param("x", 3, 2);
        h.check(h.b.cast(x, DType.DOUBLE));
    }
}
