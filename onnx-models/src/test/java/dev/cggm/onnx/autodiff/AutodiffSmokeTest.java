package dev.cggm.onnx.autodiff;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AutodiffSmokeTest {
    @Test
    void mlpGradientsMatchFiniteDifferences() throws Exception {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", DType.DOUBLE, Dim.sym("batch"), Dim.of(3));
        Value w = b.input("w", DType.DOUBLE, Dim.of(4), Dim.of(3));
        Value bias = b.input("bias", DType.DOUBLE, Dim.of(4));
        Value h = b.relu(b.linear(x, w, bias));
        Value loss = b.meanAll(b.mul(h, h));
        b.output(loss, "loss");
        Map<String, HostTensor> in = Map.of(
                "x", HostTensor.of(new double[] {0.1, -0.2, 0.3, 0.5, 0.4, -0.6}, 2, 3),
                "w", HostTensor.of(new double[] {0.3, 0.1, -0.2, 0.5, -0.4, 0.2, 0.7, 0.3, 0.1, -0.1, 0.2, 0.6}, 4, 3),
                "bias", HostTensor.of(new double[] {0.01, 0.2, -0.03, 0.04}, 4));
        var bad = new GradCheck(b.graph(), "loss", in, List.of("w", "bias")).checkAll();
        assertEquals(List.of(), bad);
    }
}
