package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

/**
 * Finite-difference checks of Clip (double): constant bounds (ReLU6), bounds as differentiated
 * scalars, one bound missing, none. Inputs stay ≥ 1e-3 away from the bounds, the kinks.
 */
class ClipGradTest {
    /** Uniform in [lo, hi] but at least 1e-3 away from each of {@code kinks}. */
    static OpHarness.Sampler avoiding(double lo, double hi, double... kinks) {
        return r -> {
            while (true) {
                double v = lo + (hi - lo) * r.nextDouble();
                if (Arrays.stream(kinks).allMatch(k -> Math.abs(v - k) > 1e-3)) {
                    return v;
                }
            }
        };
    }

    @Test
    void relu6() throws Exception {
        OpHarness h = OpHarness.doubles(1);
        Value x = h.param("x", avoiding(-2, 8, 0, 6), 3, 4, 2);
        h.check(h.b.relu6(x));
    }

    @Test
    void boundsAsDifferentiatedScalars() throws Exception {
        OpHarness h = OpHarness.doubles(2);
        Value x = h.param("x", avoiding(-1, 1, -0.3, 0.4), 4, 5);
        Value min = h.param("min", HostTensor.ofDoubles(h.dtype, new double[] {-0.3}));
        Value max = h.param("max", HostTensor.ofDoubles(h.dtype, new double[] {0.4}));
        h.check(h.b.op1("Clip", List.of(x, min, max)));
    }

    @Test
    void onlyOneBound() throws Exception {
        OpHarness h = OpHarness.doubles(3);
        Value x = h.param("x", avoiding(-1, 1, -0.2, 0.5), 3, 4);
        Value min = h.param("min", HostTensor.ofDoubles(h.dtype, new double[] {-0.2}));
        Value max = h.param("max", HostTensor.ofDoubles(h.dtype, new double[] {0.5}));
        h.check(h.b.op1("Clip", List.of(x, min)), h.b.op1("Clip", Arrays.asList(x, null, max)));
    }

    @Test
    void noBoundsIsTheIdentity() throws Exception {
        OpHarness h = OpHarness.doubles(4);
        Value x = h.param("x", 2, 3);
        h.check(h.b.op1("Clip", List.of(x)));
    }

    @Test
    void symbolicBatch() throws Exception {
        OpHarness h = OpHarness.doubles(5);
        Value x = h.param("x", h.random(avoiding(-1, 7, 0, 6), 3, 4), Dim.sym("batch"), Dim.of(4));
        h.check(h.b.relu6(x));
    }

    /** Float runs the same rule on ORT's float Clip kernel; compared with the double gradients. */
    @Test
    void floatAgreesWithDouble() throws Exception {
        OpHarness.checkFloatAgainstDouble(6, h -> {
            Value x = h.param("x", avoiding(-1, 1, -0.25, 0.5), 3, 5);
            Value min = h.param("min", HostTensor.ofDoubles(h.dtype, new double[] {-0.25}));
            return new Value[] {h.b.op1("Clip", List.of(x, min, h.b.scalarLike(0.5, x)))};
        });
    }
}
