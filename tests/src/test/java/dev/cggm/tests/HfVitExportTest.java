package dev.cggm.tests;

import dev.cggm.cli.Main;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.onnx.artifacts.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Bring your own ViT" on a real HuggingFace export: transformers' {@code ViTModel} (random
 * weights, built offline) exported as Optimum lays it out ({@code model.onnx},
 * {@code config.json}, {@code preprocessor_config.json}), extracted through
 * {@code --image-encoder DIR}; every stored feature equals PyTorch's {@code last_hidden_state} of
 * the same image within 1e-4. Images are at the model's size, so HF's PIL resize (which rounds to
 * 8 bits) is not involved and the pixel values agree to float rounding.
 */
class HfVitExportTest {
    @Test
    void optimumStyleViTExportGivesPyTorchsHiddenStates(@TempDir Path tmp) throws Exception {
        Path python = PythonEnv.torchPython();
        Assumptions.assumeTrue(python != null, PythonEnv.NO_TORCH_VENV);
        Path data = Files.createDirectories(tmp.resolve("data"));
        Random rng = new Random(11);
        List<String> images = new ArrayList<>();
        StringBuilder manifest = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    img.setRGB(x, y, rng.nextInt(1 << 24) | (x * 8 << 16));
                }
            }
            Path f = data.resolve("img" + i + ".png");
            ImageIO.write(img, "png", f.toFile());
            images.add(f.toString());
            manifest.append(String.format("{\"id\": \"s%d\", \"text\": \"picture number %d\", \"image\": \"img%d.png\", "
                    + "\"label\": \"%s\", \"split\": \"train\"}%n", i, i, i, i % 2 == 0 ? "even" : "odd"));
        }
        Files.writeString(data.resolve("manifest.jsonl"), manifest);

        Path vit = tmp.resolve("vit");
        Path ref = tmp.resolve("ref.safetensors");
        List<String> args = new ArrayList<>(List.of(vit.toString()));
        args.addAll(images);
        args.add(ref.toString());
        PythonEnv.runWith(python, "hf_vit_export.py", args.toArray(String[]::new));
        for (String f : List.of("model.onnx", "config.json", "preprocessor_config.json")) {
            assertTrue(Files.isRegularFile(vit.resolve(f)), f);
        }

        Path store = tmp.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(),
                "--image-encoder", vit.toString(), "--device", "cpu", "--batch-size", "2"));
        SafeTensors.Entry expected = SafeTensors.read(ref).get("last_hidden_state");
        int perImage = (int) (expected.shape()[1] * expected.shape()[2]);
        assertEquals(17 * 64, perImage);
        int row = 0;
        double worst = 0;
        try (FeatureStore fs = FeatureStore.open(store); var batches = fs.batches("train")) {
            assertEquals(List.of(17, 64), fs.manifest().modalities().get(1).shape());
            for (FeatureBatch b : batches) {
                FloatBuffer f = b.floats("image");
                for (int r = 0; r < b.rowCount(); r++, row++) {
                    assertEquals("s" + row, b.id(r));
                    for (int k = 0; k < perImage; k++) {
                        worst = Math.max(worst, Math.abs(f.get(r * perImage + k) - expected.data()[row * perImage + k]));
                    }
                }
            }
        }
        assertEquals(5, row);
        assertTrue(worst < 1e-4, "max |ours − PyTorch| = " + worst);
    }
}
