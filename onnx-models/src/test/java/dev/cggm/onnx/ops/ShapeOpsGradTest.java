package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of the ops that move or select elements: Transpose, Reshape,
 * Flatten, Squeeze, Unsqueeze, Expand, Concat, Split, Slice and Gather.
 */
class ShapeOpsGradTest {
    static final Dim BATCH = Dim.sym("batch");

    static Stream<Arguments> perms() {
        return Stream.of(
                Arguments.of((Object) new int[] {1, 0}),
                Arguments.of((Object) new int[] {2, 0, 1}),
                Arguments.of((Object) new int[] {1, 2, 0}),
                Arguments.of((Object) new int[] {3, 1, 0, 2}),
                Arguments.of((Object) null)); // default: reverse the axes
    }

    @ParameterizedTest(name = "Transpose perm={0}")
    @MethodSource("perms")
    void transpose(int[] perm) throws Exception {
        OpHarness h = OpHarness.doubles(perm == null ? 0 : perm.length);
        long[] shape = perm == null ? new long[] {2, 3, 4} : new long[] {2, 3, 4, 5};
        Value x = h.param("x", java.util.Arrays.copyOf(shape, perm == null ? 3 : perm.length));
        h.check(perm == null ? h.b.op1("Transpose", List.of(x)) : h.b.transpose(x, perm));
    }

    @Test
    void transposeSymbolic() throws Exception {
        OpHarness h = OpHarness.doubles(1);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 4), BATCH, Dim.of(2), Dim.of(4));
        h.check(h.b.transpose(x, 2, 0, 1));
    }

    static Stream<Arguments> reshapes() {
        return Stream.of(
                Arguments.of(new long[] {0, -1}, false),
                Arguments.of(new long[] {-1, 4}, false),
                Arguments.of(new long[] {4, 0, 2}, false), // 0 copies the input's axis 1 (3)
                Arguments.of(new long[] {24}, false),
                Arguments.of(new long[] {2, 3, 2, 2}, false),
                Arguments.of(new long[] {0, 12}, true),
                Arguments.of(new long[] {-1, 4}, true),
                Arguments.of(new long[] {0, 0, 2, 2}, true));
    }

    @ParameterizedTest(name = "Reshape to {0}, symbolic batch={1}")
    @MethodSource("reshapes")
    void reshape(long[] target, boolean symbolic) throws Exception {
        OpHarness h = OpHarness.doubles(target.length);
        Dim[] decl = symbolic ? new Dim[] {BATCH, Dim.of(3), Dim.of(4)} : OpHarness.dims(2, 3, 4);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3, 4), decl);
        h.check(h.b.reshape(x, target));
    }

    /** A target computed in the graph: Sub(1, 2) is -1 (infer), not a copied axis. */
    @Test
    void reshapeToAComputedTarget() throws Exception {
        OpHarness h = OpHarness.doubles(15);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3, 4), BATCH, Dim.of(3), Dim.of(4));
        GraphBuilder b = h.b;
        Value minusOne = b.sub(b.ints(1), b.ints(2));
        Value rows = b.gather(b.shape(x), b.ints(0), 0);
        Value y = b.reshape(x, b.concat(0, rows, minusOne));
        h.check(y, b.reshape(x, b.concat(0, rows, b.ints(2), minusOne)));
    }

    @ParameterizedTest(name = "Flatten axis={0}")
    @ValueSource(ints = {0, 1, 2, 3, -1, -2})
    void flatten(int axis) throws Exception {
        OpHarness h = OpHarness.doubles(axis);
        Value x = h.param("x", 2, 3, 2);
        h.check(h.b.op1("Flatten", List.of(x), Attr.i("axis", axis)));
    }

    @Test
    void flattenSymbolic() throws Exception {
        OpHarness h = OpHarness.doubles(2);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 2), BATCH, Dim.of(2), Dim.of(2));
        h.check(h.b.op1("Flatten", List.of(x)), h.b.op1("Flatten", List.of(x), Attr.i("axis", 2)));
    }

    @Test
    void squeeze() throws Exception {
        OpHarness h = OpHarness.doubles(3);
        Value x = h.param("x", 2, 1, 3, 1);
        GraphBuilder b = h.b;
        h.check(b.squeeze(x, 1), b.squeeze(x, -1), b.squeeze(x, 1, 3), b.op1("Squeeze", List.of(x)));
    }

    @Test
    void unsqueeze() throws Exception {
        OpHarness h = OpHarness.doubles(4);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3), BATCH, Dim.of(3));
        Value s = h.param("s", h.random(OpHarness.STANDARD));
        GraphBuilder b = h.b;
        h.check(b.unsqueeze(x, 0), b.unsqueeze(x, 1, 3), b.unsqueeze(x, -1), b.unsqueeze(s, 0));
    }

    static Stream<Arguments> expands() {
        return Stream.of(
                Arguments.of(new long[] {3, 1}, new long[] {2, 3, 4}),
                Arguments.of(new long[] {1}, new long[] {3}),
                Arguments.of(new long[] {}, new long[] {2, 2}),
                Arguments.of(new long[] {2, 1, 4}, new long[] {3, 1, 1, 1}), // bidirectional: [3,2,1,4]
                Arguments.of(new long[] {2, 3}, new long[] {2, 3}));
    }

    @ParameterizedTest(name = "Expand {0} to {1}")
    @MethodSource("expands")
    void expand(long[] from, long[] to) throws Exception {
        OpHarness h = OpHarness.doubles(from.length * 10L + to.length);
        Value x = h.param("x", from);
        h.check(h.b.expand(x, h.b.ints(to)));
    }

    /** A target shape only known at run time (read from another input) takes the dynamic un-broadcast path. */
    @Test
    void expandToARuntimeShape() throws Exception {
        OpHarness h = OpHarness.doubles(5);
        Value x = h.param("x", 1, 3);
        Value like = h.data("like", h.random(OpHarness.STANDARD, 4, 3), BATCH, Dim.of(3));
        Value y = h.param("y", h.random(OpHarness.STANDARD, 2, 1), Dim.sym("n"), Dim.of(1));
        GraphBuilder b = h.b;
        Value computedShape = b.reshape(b.shape(like), b.ints(2)); // a Reshape hides the known value
        h.check(b.expand(x, b.shape(like)), b.expand(y, b.ints(2, 5)), b.expand(x, computedShape));
    }

    @Test
    void concatTwoInputs() throws Exception {
        OpHarness h = OpHarness.doubles(6);
        Value a = h.param("a", 2, 3);
        Value c = h.param("c", 1, 3);
        h.check(h.b.concat(0, a, c));
    }

    @ParameterizedTest(name = "Concat of three along axis {0}")
    @ValueSource(ints = {0, 1, 2, -1, -3})
    void concatThreeInputs(int axis) throws Exception {
        OpHarness h = OpHarness.doubles(axis + 10);
        int ax = axis < 0 ? axis + 3 : axis;
        long[][] shapes = new long[3][];
        for (int i = 0; i < 3; i++) {
            shapes[i] = new long[] {2, 3, 2};
            shapes[i][ax] = i + 1;
        }
        Value a = h.param("a", shapes[0]);
        Value c = h.param("c", shapes[1]);
        Value d = h.param("d", shapes[2]);
        h.check(h.b.concat(axis, a, c, d));
    }

    @Test
    void concatWithAnInputNotNeedingGradient() throws Exception {
        OpHarness h = OpHarness.doubles(7);
        Value a = h.param("a", 2, 2);
        Value k = h.data("k", h.random(OpHarness.STANDARD, 2, 3));
        Value c = h.param("c", 2, 1);
        h.check(h.b.concat(1, a, k, c));
    }

    /** Concatenating along a symbolic axis splits dy by run-time extents. */
    @Test
    void concatAlongSymbolicAxis() throws Exception {
        OpHarness h = OpHarness.doubles(8);
        Value a = h.param("a", h.random(OpHarness.STANDARD, 3, 2), BATCH, Dim.of(2));
        Value c = h.param("c", 2, 2);
        h.check(h.b.concat(0, a, c));
    }

    @Test
    void split() throws Exception {
        OpHarness h = OpHarness.doubles(9);
        Value x = h.param("x", 2, 5);
        List<Value> parts = h.b.split(x, 1, 2, 3);
        h.check(parts.get(0), parts.get(1));
    }

    @Test
    void splitWithUnusedPiecesGetsZeros() throws Exception {
        OpHarness h = OpHarness.doubles(10);
        Value x = h.param("x", 6, 2);
        List<Value> parts = h.b.split(x, 0, 1, 2, 3);
        h.check(parts.get(1)); // pieces 0 and 2 get no gradient: their rows must be 0
    }

    @Test
    void splitEquallyWithoutSizesAlongNegativeAxis() throws Exception {
        OpHarness h = OpHarness.doubles(11);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 3, 2, 6), BATCH, Dim.of(2), Dim.of(6));
        List<Value> parts = h.b.op("Split", List.of(x), 3, Attr.i("axis", -1));
        h.check(parts.get(0), parts.get(2), h.b.mul(parts.get(1), parts.get(2)));
    }

    static Stream<Arguments> slices() {
        return Stream.of(
                Arguments.of("one axis", new long[] {1}, new long[] {3}, new long[] {1}),
                Arguments.of("negative starts", new long[] {-2}, new long[] {4}, new long[] {2}),
                Arguments.of("negative start and end", new long[] {-3}, new long[] {-1}, new long[] {-1}),
                Arguments.of("ends past the end", new long[] {1, 2}, new long[] {100, Long.MAX_VALUE}, new long[] {0, 2}),
                Arguments.of("starts before the start", new long[] {-100}, new long[] {2}, new long[] {1}),
                Arguments.of("several axes", new long[] {0, 1, 1}, new long[] {1, 3, 3}, new long[] {0, 1, 2}),
                Arguments.of("axes omitted", new long[] {1, 0}, new long[] {2, 2}, null),
                Arguments.of("empty range", new long[] {3}, new long[] {1}, new long[] {2}));
    }

    @ParameterizedTest(name = "Slice {0}")
    @MethodSource("slices")
    void slice(String name, long[] starts, long[] ends, long[] axes) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        Value x = h.param("x", 2, 3, 4);
        Value y = axes == null
                ? h.b.op1("Slice", List.of(x, h.b.ints(starts), h.b.ints(ends)))
                : h.b.slice(x, starts, ends, axes);
        Value other = h.b.slice(x, new long[] {0}, new long[] {1}, new long[] {0}); // keeps the gradient non-zero
        h.check(y, other);
    }

    @Test
    void sliceWithExplicitUnitSteps() throws Exception {
        OpHarness h = OpHarness.doubles(12);
        Value x = h.param("x", 3, 4);
        h.check(h.b.slice(x, new long[] {1, -3}, new long[] {3, 4}, new long[] {0, 1}, new long[] {1, 1}));
    }

    /** A symbolic axis is clamped at run time (Min/Max/Sub on the shape). */
    @Test
    void sliceAlongSymbolicAxis() throws Exception {
        OpHarness h = OpHarness.doubles(13);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 5, 3), BATCH, Dim.of(3));
        GraphBuilder b = h.b;
        h.check(b.slice(x, new long[] {1}, new long[] {100}, new long[] {0}),
                b.slice(x, new long[] {-2}, new long[] {-1}, new long[] {0}),
                b.slice(x, new long[] {-100, 1}, new long[] {2, 3}, new long[] {0, 1}));
    }

    @ParameterizedTest(name = "Slice step {0} has no gradient")
    @ValueSource(longs = {2, -1})
    void sliceWithStepIsAClearError(long step) throws Exception {
        OpHarness h = OpHarness.doubles(14);
        Value x = h.param("x", 6);
        Value y = h.b.slice(x, new long[] {step > 0 ? 0 : 5}, new long[] {step > 0 ? 6 : -7}, new long[] {0}, new long[] {step});
        var e = assertThrows(GraphException.class, () -> h.gradCheck(y).trainingGraph());
        assertTrue(e.getMessage().contains("step " + step), e.getMessage());
        assertTrue(e.getMessage().contains("Slice"), e.getMessage());
    }

    static Stream<Arguments> gathers() {
        return Stream.of(
                Arguments.of("axis 0, 1-D indices", 0, new long[] {2, 0}, new long[] {2}),
                Arguments.of("axis 0, scalar index", 0, new long[] {1}, new long[] {}),
                Arguments.of("axis 1, scalar index", 1, new long[] {2}, new long[] {}),
                Arguments.of("axis 1, 2-D indices", 1, new long[] {0, 3, 2, 2}, new long[] {2, 2}),
                Arguments.of("axis 2, 1-D indices", 2, new long[] {1, 0, 1}, new long[] {3}),
                Arguments.of("axis -1, 2-D indices", -1, new long[] {0, 1, 1, 0, 0, 1}, new long[] {3, 2}),
                Arguments.of("repeated indices accumulate", 0, new long[] {1, 1, 2, 1}, new long[] {4}),
                Arguments.of("repeated inner indices accumulate", 1, new long[] {3, 3, 0}, new long[] {3}),
                Arguments.of("negative indices", 1, new long[] {-1, 0, -4}, new long[] {3}),
                Arguments.of("negative scalar index", 0, new long[] {-1}, new long[] {}));
    }

    @ParameterizedTest(name = "Gather {0}")
    @MethodSource("gathers")
    void gatherConstantIndices(String name, int axis, long[] indices, long[] indexShape) throws Exception {
        OpHarness h = OpHarness.doubles(name.hashCode());
        Value x = h.param("x", 3, 4, 2);
        Value idx = h.b.constant(Tensors.longs("", indexShape, indices));
        h.check(h.b.gather(x, idx, axis), h.b.reduceSum(x, false, 0)); // the second output keeps every grad element live
    }

    /** Indices fed at run time (possibly negative) are wrapped inside the gradient graph. */
    @ParameterizedTest(name = "Gather runtime indices axis={0}")
    @ValueSource(ints = {0, 1, -1})
    void gatherRuntimeIndices(int axis) throws Exception {
        OpHarness h = OpHarness.doubles(axis + 20);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 4, 3), BATCH, Dim.of(3));
        Value idx = h.data("idx", HostTensor.of(new long[] {-1, 0, 2, 0, -1, 1}, 2, 3), Dim.of(2), Dim.sym("k"));
        h.check(h.b.gather(x, idx, axis));
    }

    @Test
    void gatherInt32Indices() throws Exception {
        OpHarness h = OpHarness.doubles(21);
        Value x = h.param("x", 4, 3);
        Value idx = h.b.cast(h.b.constant(Tensors.longs("", new long[] {3}, new long[] {2, -1, 0})), DType.INT32);
        h.check(h.b.gather(x, idx, 0), h.b.gather(x, idx, 1));
    }

    /** An embedding lookup, as the models use it: rows picked by token ids, several repeated. */
    @Test
    void embeddingLookup() throws Exception {
        OpHarness h = OpHarness.doubles(22);
        Value table = h.param("table", 6, 3);
        Value ids = h.data("ids", HostTensor.of(new long[] {1, 4, 1, 0, 5, 1}, 2, 3), BATCH, Dim.of(3));
        Value emb = h.b.gather(table, ids, 0);
        assertEquals(3, emb.rank());
        h.check(emb); // rows 2 and 3 are never picked: their gradient must be exactly 0, and is checked too
    }
}
