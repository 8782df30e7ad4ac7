package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.Attr;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.cggm.onnx.ops.OpHarness.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BatchNormalization is typed for inference only (pretrained encoders); it has no gradient rule. */
class BatchNormalizationInferenceTest {
    @Test
    void inferenceFormulaOnOnnxRuntime() throws Exception {
        OpHarness h = OpHarness.floats(1);
        HostTensor xs = h.random(OpHarness.STANDARD, 2, 3, 2, 2);
        HostTensor scale = h.random(uniform(0.5, 1.5), 3);
        HostTensor bias = h.random(OpHarness.STANDARD, 3);
        HostTensor mean = h.random(OpHarness.STANDARD, 3);
        HostTensor var = h.random(uniform(0.1, 2), 3);
        Value y = h.b.batchNormInference(h.data("x", xs), h.data("scale", scale), h.data("bias", bias),
                h.data("mean", mean), h.data("var", var), 1e-3);
        h.b.output(y);
        assertEquals(xs.dtype(), y.dtype());
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(h.b.graph()))) {
            double[] got = m.run(h.feeds(), y.name()).get(y.name()).toDoubles();
            double[] x = xs.toDoubles();
            for (int i = 0; i < x.length; i++) {
                int c = (i / 4) % 3;
                double want = scale.toDoubles()[c] * (x[i] - mean.toDoubles()[c]) / Math.sqrt(var.toDoubles()[c] + 1e-3)
                        + bias.toDoubles()[c];
                assertEquals(want, got[i], 1e-5, "element " + i);
            }
        }
    }

    @Test
    void trainingModeIsRefused() {
        OpHarness h = OpHarness.floats(2);
        Value x = h.param("x", 2, 3, 2, 2);
        List<Value> stats = List.of(h.param("s", 3), h.param("b", 3), h.param("m", 3), h.param("v", 3));
        var e = assertThrows(GraphException.class, () -> h.b.op1("BatchNormalization",
                List.of(x, stats.get(0), stats.get(1), stats.get(2), stats.get(3)), Attr.i("training_mode", 1)));
        assertTrue(e.getMessage().contains("inference mode"), e.getMessage());
    }

    @Test
    void noGradientRule() throws Exception {
        OpHarness h = OpHarness.floats(3);
        Value x = h.param("x", 2, 3, 2, 2);
        Value y = h.b.batchNormInference(x, h.b.op1("Identity", List.of(h.data("s", h.random(OpHarness.STANDARD, 3)))),
                h.data("b", h.random(OpHarness.STANDARD, 3)), h.data("m", h.random(OpHarness.STANDARD, 3)),
                h.data("v", h.random(uniform(0.5, 1), 3)), 1e-5);
        var e = assertThrows(GraphException.class, () -> h.gradCheck(y).trainingGraph());
        assertTrue(e.getMessage().contains("BatchNormalization") && e.getMessage().contains("no gradient rule"), e.getMessage());
    }
}
