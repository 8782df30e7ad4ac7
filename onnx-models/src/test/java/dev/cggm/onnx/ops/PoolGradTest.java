package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Value;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the pooling rules. GlobalAveragePool runs in float only on ONNX
 * Runtime and is linear: the float harness with exact large-step differences.
 */
class PoolGradTest {
    @Test
    void globalAveragePool() throws Exception {
        OpHarness h = OpHarness.floatsLinear(1);
        Value x = h.param("x", 2, 3, 4, 5);
        Value y = h.b.globalAveragePool(x);
        h.assertTypedShapes(y);
        h.check(y);
    }

    /** Symbolic space: the divisor is counted at run time. */
    @Test
    void globalAveragePoolWithSymbolicExtents() throws Exception {
        OpHarness h = OpHarness.floatsLinear(2);
        Value x = h.param("x", h.random(OpHarness.STANDARD, 2, 3, 4, 3),
                Dim.sym("batch"), Dim.of(3), Dim.sym("h"), Dim.sym("w"));
        h.check(h.b.globalAveragePool(x));
    }

    @Test
    void globalAveragePoolOneDimensional() throws Exception {
        OpHarness h = OpHarness.floatsLinear(3);
        Value x = h.param("x", 2, 3, 6);
        h.check(h.b.globalAveragePool(x));
    }
}
