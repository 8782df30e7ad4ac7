package dev.cggm.onnx.models.vit;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.ParameterSpec;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VitModelTest {
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void hasTheHuggingFaceInterfaceAndIsDeterministic() throws Exception {
        VitConfig cfg = VitConfig.tiny();
        VitModel.Built a = VitModel.build(cfg, 3);
        VitModel.Built b = VitModel.build(cfg, 3);
        assertArrayEquals(a.toBytes(), b.toBytes(), "same seed, same model bytes");
        try (OrtModel m = OrtModel.load(a.toBytes())) {
            assertEquals(List.of(VitModel.INPUT), List.copyOf(m.inputNames()));
            assertEquals(List.of(VitModel.OUTPUT), List.copyOf(m.outputNames()));
            HostTensor out = m.run(Map.of(VitModel.INPUT, pixels(cfg, 2, 1))).get(VitModel.OUTPUT);
            assertArrayEquals(new long[] {2, cfg.sequenceLength(), cfg.hidden()}, out.shape());
            for (float v : out.floats()) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    /** The ONNX graph against an independent PyTorch implementation of HF's ViT on the same weights. */
    @Test
    void matchesPyTorchReference(@TempDir Path tmp) throws Exception {
        requireTorch();
        for (VitConfig cfg : List.of(new VitConfig(32, 8, 3, 48, 2, 4, 96, 1e-12), VitConfig.tiny())) {
            VitModel.Built built = VitModel.build(cfg, 11);
            HostTensor px = pixels(cfg, 3, 5);
            float[] expected = runPython(tmp, cfg, built, px);
            float[] actual;
            try (OrtModel m = OrtModel.load(built.toBytes())) {
                actual = m.run(Map.of(VitModel.INPUT, px)).get(VitModel.OUTPUT).floats();
            }
            assertEquals(expected.length, actual.length, cfg.toString());
            double maxDiff = 0;
            for (int i = 0; i < actual.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            }
            // outputs are LayerNorm-ed (unit scale); float32 vs the float64 reference
            assertTrue(maxDiff < 2e-4, cfg + ": max |ONNX Runtime − PyTorch| = " + maxDiff);
        }
    }

    private static HostTensor pixels(VitConfig cfg, int batch, long seed) {
        Random r = new Random(seed);
        float[] v = new float[batch * cfg.channels() * cfg.imageSize() * cfg.imageSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return HostTensor.of(v, batch, cfg.channels(), cfg.imageSize(), cfg.imageSize());
    }

    private static void requireTorch() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)),
                "skipped: " + PYTHON + " not found (install Debian's python3-torch to run the PyTorch parity check)");
        Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
                "skipped: PyTorch is not importable by " + PYTHON + " (apt-get install python3-torch)");
    }

    private static float[] runPython(Path tmp, VitConfig cfg, VitModel.Built built, HostTensor px)
            throws IOException, InterruptedException {
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (ParameterSpec p : built.parameters()) {
            tensors.put(p.name(), new SafeTensors.Entry(p.shape(), p.initial()));
        }
        tensors.put("pixel_values", new SafeTensors.Entry(px.shape(), px.floats()));
        Path weights = tmp.resolve("vit.safetensors");
        SafeTensors.write(weights, tensors, Map.of());
        Path cfgFile = tmp.resolve("vit.json");
        Files.writeString(cfgFile, String.format(java.util.Locale.ROOT,
                "{\"image_size\": %d, \"patch_size\": %d, \"hidden\": %d, \"layers\": %d, \"heads\": %d, "
                        + "\"layer_norm_eps\": %s}", cfg.imageSize(), cfg.patchSize(), cfg.hidden(), cfg.layers(),
                cfg.heads(), cfg.layerNormEps()), StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.f32");
        Process p = new ProcessBuilder(PYTHON, script().toString(), weights.toString(), cfgFile.toString(),
                out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "vit_reference.py failed:\n" + log);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(f);
        return f;
    }

    /** tests/python/vit_reference.py, found from the module directory upwards. */
    private static Path script() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tests/python/vit_reference.py");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("tests/python/vit_reference.py not found above " + Path.of("").toAbsolutePath()
                + Arrays.toString(new String[0]));
    }
}
