package dev.cggm.onnx.ops;

import dev.cggm.onnx.graph.ConvSpec;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.PoolSpec;
import dev.cggm.onnx.graph.SoftDice;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The new rules composed, as a segmentation network uses them: a two-level encoder-decoder
 * (Conv, group norm, ReLU, MaxPool, Conv, InstanceNormalization, ReLU6, ConvTranspose, skip
 * Concat, bilinear Resize, 1×1 Conv) under weighted per-pixel cross-entropy plus soft Dice.
 * ONNX Runtime cannot run Conv in double, so the whole graph runs in float and is compared with
 * directional central differences (random unit directions over all parameters at once, step
 * 1e-2): float rounding and curvature leave relative errors up to 1e-3 (measured), so 5e-3 is
 * demanded, while a 5% error in one parameter's gradient gives 2e-2 to 2e-1. A template for
 * end-to-end checks of float-only models.
 */
class ConvNetCompositionGradTest {
    @Test
    void encoderDecoderGradientsMatchDirectionalDifferences() throws Exception {
        OpHarness h = OpHarness.floats(1).eps(1e-2);
        GraphBuilder b = h.b;
        Value image = h.data("image", h.random(OpHarness.STANDARD, 2, 2, 8, 8));
        Value labels = h.data("labels", HostTensor.of(randomLabels(h, 2 * 8 * 8), 2, 8, 8));
        ConvSpec same3 = ConvSpec.defaults().padding(1);
        Value e1 = b.relu(b.groupNorm(b.conv2d(image, h.param("enc1.w", 4, 2, 3, 3), h.param("enc1.b", 4), same3), 2,
                h.param("gn.scale", OpHarness.uniform(0.5, 1.5), 4), h.param("gn.bias", 4), 1e-5));
        Value down = b.maxPool2d(e1, PoolSpec.window(2));
        Value e2 = b.relu6(b.instanceNorm(b.conv2d(down, h.param("enc2.w", 6, 4, 3, 3), null, same3),
                h.param("in.scale", OpHarness.uniform(0.5, 1.5), 6), h.param("in.bias", 6), 1e-5));
        Value up = b.convTranspose2d(e2, h.param("up.w", 6, 4, 2, 2), h.param("up.b", 4), ConvSpec.defaults().stride(2));
        Value smooth = b.resize2d(b.resize2d(up, 0.5, "linear", "half_pixel"), 2, "linear", "pytorch_half_pixel");
        Value merged = b.concat(1, b.add(up, smooth), e1);
        Value logits = b.conv2d(merged, h.param("head.w", 3, 8, 1, 1), h.param("head.b", 3), ConvSpec.defaults());
        Value weights = b.constant(Tensors.floats("", new long[] {3}, new float[] {0.2f, 0.5f, 0.3f}));
        Value loss = b.add(b.softmaxCrossEntropy(logits, labels, weights), b.softDiceLoss(logits, labels, SoftDice.cggm()));

        GradCheck check = h.gradCheck(loss);
        double[] errors = check.checkDirections(12, 5);
        assertTrue(max(errors) < 5e-3, "relative errors of the directional derivatives: " + Arrays.toString(errors));

        // the check has teeth: ConvTranspose's weight gradient 5% off (one of 12 parameters) shows
        double[] corrupted = check.trainingTransform(g -> HarnessSanityTest.scaleGradient(g, "up.w", 1.05))
                .checkDirections(12, 5);
        assertTrue(max(corrupted) > 2e-2, "a 5% error in up.w's gradient went unnoticed: " + Arrays.toString(corrupted));
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElseThrow();
    }

    private static long[] randomLabels(OpHarness h, int n) {
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = h.rng.nextInt(3);
        }
        return l;
    }
}
