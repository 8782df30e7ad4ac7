package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.cggm.onnx.ops.OpHarness.dims;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Finite-difference checks of MatMul (numpy semantics: batched, broadcast batch axes, 1-D
 * operands, the one-GEMM path for a 2-D weight against a batched input) and Gemm (every
 * transposition, alpha/beta, every shape of C).
 */
class MatMulGemmGradTest {
    static final Dim BATCH = Dim.sym("batch");

    static Stream<Arguments> matMulCases() {
        return Stream.of(
                Arguments.of("2-D", new long[] {3, 4}, null, new long[] {4, 2}, null),
                Arguments.of("batched 3-D", new long[] {2, 3, 4}, null, new long[] {2, 4, 5}, null),
                Arguments.of("batched 4-D", new long[] {2, 2, 3, 4}, null, new long[] {2, 2, 4, 3}, null),
                Arguments.of("broadcast batch [2,1,3,4]x[5,4,2]", new long[] {2, 1, 3, 4}, null, new long[] {5, 4, 2}, null),
                Arguments.of("broadcast batch [1,3,4]x[2,4,5]", new long[] {1, 3, 4}, null, new long[] {2, 4, 5}, null),
                Arguments.of("2-D input against batched weight", new long[] {3, 4}, null, new long[] {2, 4, 5}, null),
                Arguments.of("2-D weight, 3-D input (one Gemm)", new long[] {2, 3, 4}, null, new long[] {4, 5}, null),
                Arguments.of("2-D weight, 4-D input (one Gemm)", new long[] {2, 2, 3, 4}, null, new long[] {4, 3}, null),
                Arguments.of("2-D weight, symbolic batch (one Gemm)", new long[] {3, 2, 4},
                        new Dim[] {BATCH, Dim.of(2), Dim.of(4)}, new long[] {4, 5}, null),
                Arguments.of("2-D weight, symbolic inner dim", new long[] {2, 3, 4},
                        new Dim[] {Dim.of(2), Dim.of(3), Dim.sym("k")}, new long[] {4, 5},
                        new Dim[] {Dim.sym("k"), Dim.of(5)}),
                // different symbols on the two batch axes: who broadcasts is only known at run time
                Arguments.of("symbolic batch on both sides, n=1", new long[] {1, 3, 4},
                        new Dim[] {Dim.sym("n"), Dim.of(3), Dim.of(4)}, new long[] {2, 4, 5},
                        new Dim[] {BATCH, Dim.of(4), Dim.of(5)}),
                Arguments.of("symbolic rows", new long[] {5, 4}, new Dim[] {BATCH, Dim.of(4)}, new long[] {4, 3}, null),
                Arguments.of("1-D left [4]x[4,3]", new long[] {4}, null, new long[] {4, 3}, null),
                Arguments.of("1-D left [4]x[2,4,3]", new long[] {4}, null, new long[] {2, 4, 3}, null),
                Arguments.of("1-D left [4]x[2,2,4,3]", new long[] {4}, null, new long[] {2, 2, 4, 3}, null),
                Arguments.of("1-D right [3,4]x[4]", new long[] {3, 4}, null, new long[] {4}, null),
                Arguments.of("1-D right [2,3,4]x[4] (one Gemm)", new long[] {2, 3, 4}, null, new long[] {4}, null),
                Arguments.of("1-D both (dot)", new long[] {4}, null, new long[] {4}, null));
    }

    @ParameterizedTest(name = "MatMul {0}")
    @MethodSource("matMulCases")
    void matMul(String name, long[] a, Dim[] declA, long[] b, Dim[] declB) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        Value va = h.param("a", h.random(OpHarness.STANDARD, a), declA == null ? dims(a) : declA);
        Value vb = h.param("b", h.random(OpHarness.STANDARD, b), declB == null ? dims(b) : declB);
        h.check(h.b.matMul(va, vb));
    }

    @Test
    void matMulWithOnlyOneSideDifferentiated() throws Exception {
        OpHarness h = OpHarness.doubles(1);
        Value x = h.data("x", h.random(OpHarness.STANDARD, 2, 3, 4));
        Value w = h.param("w", 4, 5);
        h.check(h.b.matMul(x, w));

        OpHarness h2 = OpHarness.doubles(2);
        Value x2 = h2.param("x", 2, 3, 4);
        Value w2 = h2.data("w", h2.random(OpHarness.STANDARD, 4, 5));
        h2.check(h2.b.matMul(x2, w2));
    }

    /** The batched-input, 2-D-weight path promises a single Gemm for the weight gradient. */
    @Test
    void weightGradientOfBatchedInputIsOneGemm() throws Exception {
        OpHarness h = OpHarness.doubles(3);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3, 4), BATCH, Dim.of(3), Dim.of(4));
        Value w = h.param("w", 4, 5);
        var gc = h.gradCheck(h.b.matMul(x, w));
        var training = gc.trainingGraph();
        long gemms = training.nodes().stream().map(Node::opType).filter("Gemm"::equals).count();
        long matMuls = training.nodes().stream().map(Node::opType).filter("MatMul"::equals).count();
        assertEquals(1, gemms, "weight gradient as one Gemm");
        assertEquals(2, matMuls, "the forward MatMul and the input gradient's");
        assertEquals(List.of(), gc.checkAll());
    }

    static Stream<Arguments> gemmCases() {
        List<Arguments> cases = new ArrayList<>();
        long m = 3;
        long n = 2;
        // C broadcast along columns, rows, both (scalar) or not at all; or absent
        long[][] cShapes = {{n}, {1, n}, {m, n}, {m, 1}, {}, null};
        double[][] alphaBeta = {{1, 1}, {0.7, -1.3}};
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (long[] c : cShapes) {
                    for (double[] ab : alphaBeta) {
                        cases.add(Arguments.of(ta, tb, c, ab[0], ab[1]));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "Gemm transA={0} transB={1} C={2} alpha={3} beta={4}")
    @MethodSource("gemmCases")
    void gemm(boolean transA, boolean transB, long[] c, double alpha, double beta) throws Exception {
        OpHarness h = OpHarness.doubles(java.util.Objects.hash(transA, transB, c == null ? -1 : c.length, alpha));
        long m = 3;
        long k = 4;
        long n = 2;
        Value a = h.param("a", transA ? new long[] {k, m} : new long[] {m, k});
        Value b = h.param("b", transB ? new long[] {n, k} : new long[] {k, n});
        Value vc = c == null ? null : h.param("c", c);
        h.check(h.b.gemm(a, b, vc, alpha, beta, transA, transB));
    }

    @Test
    void gemmWithSymbolicRowsAndConstantWeight() throws Exception {
        OpHarness h = OpHarness.doubles(4);
        Value a = h.param("a", h.random(OpHarness.STANDARD, 5, 3), BATCH, Dim.of(3));
        Value w = h.data("w", h.random(OpHarness.STANDARD, 2, 3));
        Value bias = h.param("bias", 2);
        h.check(h.b.gemm(a, w, bias, 1.0, 1.0, false, true));
    }

    @Test
    void gemmSharingOneInputForBothOperands() throws Exception {
        OpHarness h = OpHarness.doubles(5);
        Value a = h.param("a", h.random(OpHarness.STANDARD, 3, 3));
        h.check(h.b.gemm(a, a, null, 1.0, 1.0, true, false));
    }
}
