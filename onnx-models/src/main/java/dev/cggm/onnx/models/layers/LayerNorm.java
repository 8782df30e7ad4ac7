package dev.cggm.onnx.models.layers;

import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.ModelScope;

/** {@code nn.LayerNorm(d)} over the last axis (eps 1e-5), parameters {@code .weight}/{@code .bias}. */
public final class LayerNorm {
    public static final double EPSILON = 1e-5;

    private LayerNorm() {
    }

    public static Value apply(ModelScope s, String name, String group, Value x, long d) {
        Value w = s.parameter(name + ".weight", group, Init.ones(), d);
        Value bias = s.parameter(name + ".bias", group, Init.zeros(), d);
        return s.b().layerNorm(x, w, bias, -1, EPSILON);
    }
}
