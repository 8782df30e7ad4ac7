package dev.cggm.onnx.models;

import java.util.Arrays;

/**
 * A trainable parameter: its name (the PyTorch state-dict name of the reference model), shape,
 * group (e.g. {@code encoder/text}) and initial values.
 */
public record ParameterSpec(String name, long[] shape, String group, float[] initial) {
    public long numElements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " (" + group + ")";
    }
}
