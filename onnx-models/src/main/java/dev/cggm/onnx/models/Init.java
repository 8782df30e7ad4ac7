package dev.cggm.onnx.models;

import java.util.Random;

/** Parameter initialisers, matching PyTorch's where the reference model uses them. */
public interface Init {
    /** Fills {@code values} (row-major, parameter of {@code shape}). */
    void fill(float[] values, long[] shape, Random rng);

    static Init zeros() {
        return (v, s, r) -> { };
    }

    static Init ones() {
        return (v, s, r) -> java.util.Arrays.fill(v, 1f);
    }

    static Init uniform(double bound) {
        return (v, s, r) -> {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
        };
    }

    /**
     * {@code nn.init.xavier_uniform_}: U(±√(6 / (fan_in + fan_out))) with fan_in = shape[1]·receptive,
     * fan_out = shape[0]·receptive.
     */
    static Init xavierUniform() {
        return (v, s, r) -> {
            long receptive = 1;
            for (int i = 2; i < s.length; i++) {
                receptive *= s[i];
            }
            double fanIn = s[1] * receptive;
            double fanOut = s[0] * receptive;
            uniform(Math.sqrt(6.0 / (fanIn + fanOut))).fill(v, s, r);
        };
    }

    /**
     * PyTorch's default for {@code nn.Linear}/{@code nn.Conv1d} weights and biases
     * (kaiming_uniform with a = √5, which is U(±1/√fan_in)); {@code fanIn} is the layer's input
     * width times the kernel size.
     */
    static Init pytorchDefault(long fanIn) {
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    /**
     * {@code nn.init.kaiming_normal_} (fan-in mode, ReLU gain): N(0, 2 / fan_in) with fan_in =
     * shape[1]·receptive field, as the CGGM segmentation model initialises its convolutions.
     */
    static Init kaimingNormal() {
        return (v, s, r) -> {
            long fanIn = s[1];
            for (int i = 2; i < s.length; i++) {
                fanIn *= s[i];
            }
            double std = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * std);
            }
        };
    }
}
