package dev.cggm.onnx.models.layers;

import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.Init;
import dev.cggm.onnx.models.ModelScope;

/** {@code nn.Linear}: y = x·Wᵀ + b with W stored [out, in] under {@code <name>.weight}/{@code .bias}. */
public final class Linear {
    private Linear() {
    }

    /** A linear layer with Xavier-uniform weight and zero bias (the reference's {@code Linear()} helper). */
    public static Value xavier(ModelScope s, String name, String group, Value x, long in, long out) {
        Value w = s.parameter(name + ".weight", group, Init.xavierUniform(), out, in);
        Value bias = s.parameter(name + ".bias", group, Init.zeros(), out);
        return s.b().linear(x, w, bias);
    }

    /** A linear layer with PyTorch's default initialisation (plain {@code nn.Linear}). */
    public static Value pytorchDefault(ModelScope s, String name, String group, Value x, long in, long out) {
        Value w = s.parameter(name + ".weight", group, Init.pytorchDefault(in), out, in);
        Value bias = s.parameter(name + ".bias", group, Init.pytorchDefault(in), out);
        return s.b().linear(x, w, bias);
    }
}
