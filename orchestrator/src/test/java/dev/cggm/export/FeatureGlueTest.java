package dev.cggm.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.graph.Tensors;
import org.apache.arrow.memory.util.Float16;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bundle's glue computes what the feature store stored: the mean over the positions the
 * attention mask marks (the store averages the first text_length positions), position 0 for
 * cls, the full sequence for none, float16 rounding as the store's (Arrow's Float16) — checked
 * on hand-made encoder outputs in ONNX Runtime.
 */
class FeatureGlueTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void maskedMeanClsAndHalfPrecisionAsTheStore() throws Exception {
        int l = 4;
        int d = 3;
        int p = 3;
        int di = 2;
        float[] text = random(2 * l * d, 1);
        float[] image = random(2 * p * di, 2);
        long[] mask = {1, 1, 0, 0, 1, 1, 1, 1};
        var glue = FeatureGlue.build(List.of(new FeatureGlue.Step("text", l, d, Pooling.MEAN, true),
                new FeatureGlue.Step("image", p, di, Pooling.CLS, false)), Precision.FLOAT16);
        try (OrtSession s = ENV.createSession(glue.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(text), new long[] {2, l, d});
             OnnxTensor m = OnnxTensor.createTensor(ENV, LongBuffer.wrap(mask), new long[] {2, l});
             OnnxTensor i = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(image), new long[] {2, p, di});
             OrtSession.Result r = s.run(Map.of("text_hidden", t, "attention_mask", m, "image_hidden", i))) {
            float[][][] textOut = (float[][][]) r.get("text").orElseThrow().getValue();
            float[][][] imageOut = (float[][][]) r.get("image").orElseThrow().getValue();
            assertEquals(1, textOut[0].length, "pooled: [batch, 1, D]");
            int[] lengths = {2, 4};
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < d; k++) {
                    float sum = 0;
                    for (int q = 0; q < lengths[b]; q++) {
                        sum += text[(b * l + q) * d + k];
                    }
                    assertEquals(half(sum / lengths[b]), textOut[b][0][k], 1e-7f, "text mean, sample " + b);
                }
                for (int k = 0; k < di; k++) {
                    assertEquals(half(image[b * p * di + k]), imageOut[b][0][k], 0f, "image cls, sample " + b);
                }
            }
        }
    }

    @Test
    void fullSequencesPassUnchangedAndAnUnmaskedMeanCoversEveryPosition() throws Exception {
        float[] text = random(2 * 3 * 2, 3);
        float[] image = random(2 * 4 * 2, 4);
        var glue = FeatureGlue.build(List.of(new FeatureGlue.Step("text", 3, 2, Pooling.NONE, true),
                new FeatureGlue.Step("image", 4, 2, Pooling.MEAN, false)), Precision.FLOAT32);
        try (OrtSession s = ENV.createSession(glue.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(text), new long[] {2, 3, 2});
             OnnxTensor i = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(image), new long[] {2, 4, 2});
             OrtSession.Result r = s.run(Map.of("text_hidden", t, "image_hidden", i))) {
            assertEquals(java.util.Set.of("text_hidden", "image_hidden"), s.getInputNames(),
                    "no attention_mask without a masked mean");
            FloatBuffer same = ((OnnxTensor) r.get("text").orElseThrow()).getFloatBuffer();
            float[] got = new float[same.remaining()];
            same.get(got);
            assertArrayEquals(text, got);
            float[][][] mean = (float[][][]) r.get("image").orElseThrow().getValue();
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < 2; k++) {
                    float sum = 0;
                    for (int q = 0; q < 4; q++) {
                        sum += image[(b * 4 + q) * 2 + k];
                    }
                    assertEquals(sum / 4, mean[b][0][k], 1e-6f);
                }
            }
        }
    }

    private static float half(float v) {
        return Tensors.float16ToFloat(Float16.toFloat16(v));
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
