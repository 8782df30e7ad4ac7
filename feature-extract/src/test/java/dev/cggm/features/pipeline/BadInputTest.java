package dev.cggm.features.pipeline;

import dev.cggm.features.FeatureException;
import dev.cggm.features.Fixtures;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.JsonlDataset;
import dev.cggm.features.encoders.EncoderInterfaceException;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.features.encoders.TextEncoder;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.models.vit.VitConfig;
import dev.cggm.onnx.models.vit.VitModel;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadInputTest {
    /** 12 train entries, 4 of them bad, in a JSONL manifest; labels.txt fixes the classes. */
    private static Dataset badDataset(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("img"));
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 12; i++) {
            ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", dir.resolve("img/" + i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
        }
        Files.write(dir.resolve("img/3.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 0, 1, 2});   // corrupt
        Files.delete(dir.resolve("img/5.jpg"));                                                // missing
        Files.writeString(dir.resolve("labels.txt"), "cat\ndog\n");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            String text = i == 7 ? "  " : "sample number " + i;                               // 7: empty text
            String label = i == 9 ? "horse" : (i % 2 == 0 ? "cat" : "dog");                   // 9: unknown label
            String ext = i % 2 == 0 ? ".png" : ".jpg";
            sb.append(String.format("{\"id\": \"s%d\", \"text\": \"%s\", \"image\": \"img/%d%s\", \"label\": \"%s\", "
                    + "\"split\": \"train\"}%n", i, text, i, ext, label));
        }
        Files.writeString(dir.resolve("manifest.jsonl"), sb.toString());
        return JsonlDataset.open(dir);
    }

    @Test
    void badSamplesAreSkippedAndListed(@TempDir Path tmp) throws Exception {
        Dataset ds = badDataset(tmp.resolve("data"));
        Path store = tmp.resolve("store");
        ExtractionResult r = Extractor.run(store, Fixtures.options(ds), ProgressListener.none());
        assertEquals(8, r.splits().get("train").rows());
        assertEquals(4, r.splits().get("train").errors());
        StoreManifest m = StoreManifest.read(store);
        Map<String, String> errors = m.splits().get("train").errors().stream()
                .collect(Collectors.toMap(StoreManifest.SampleError::id, StoreManifest.SampleError::reason));
        assertEquals(List.of("s3", "s5", "s7", "s9"), errors.keySet().stream().sorted().toList());
        assertTrue(errors.get("s3").startsWith("corrupt image"), errors.get("s3"));
        assertEquals("image not found", errors.get("s5"));
        assertEquals("empty text", errors.get("s7"));
        assertTrue(errors.get("s9").startsWith("unknown label 'horse'"), errors.get("s9"));
        assertTrue(m.splits().get("train").errors().stream().filter(e -> e.id().equals("s5")).findFirst().orElseThrow()
                .file().endsWith("img/5.jpg"));
        try (FeatureStore fs = FeatureStore.open(store); var batches = fs.batches("train")) {
            int rows = 0;
            for (var b : batches) {
                for (int i = 0; i < b.rowCount(); i++, rows++) {
                    assertTrue(!List.of("s3", "s5", "s7", "s9").contains(b.id(i)));
                }
            }
            assertEquals(8, rows);
        }
    }

    @Test
    void strictStopsAtTheFirstBadSampleKeepingFinishedShards(@TempDir Path tmp) throws Exception {
        Dataset ds = badDataset(tmp.resolve("data"));
        Path store = tmp.resolve("store");
        var o = Fixtures.options(ds, dev.cggm.features.store.Pooling.NONE, dev.cggm.features.store.Pooling.NONE,
                dev.cggm.features.store.Precision.FLOAT32, true);
        o = new ExtractionOptions(ds, o.text(), o.image(), o.imagePreprocessing(), o.maxLength(), o.device(), 2, 2, 2,
                2, o.textPooling(), o.imagePooling(), o.precision(), true, List.of(), 0);
        ExtractionOptions strict = o;
        FeatureException e = assertThrows(FeatureException.class, () -> Extractor.run(store, strict, ProgressListener.none()));
        assertTrue(e.getMessage().contains("sample s3") && e.getMessage().contains("3.jpg")
                && e.getMessage().contains("--strict"), e.getMessage());
        // shard 0 (s0, s1) was finished before s3 was met and stays
        assertTrue(Files.isRegularFile(store.resolve("train/part-00000.arrow")));
        assertEquals(1, StoreManifest.read(store).splits().get("train").shards().size());
    }

    @Test
    void encoderNotMatchingTheInterfaceIsAClearError(@TempDir Path tmp) throws Exception {
        // the ViT as a text encoder: wrong inputs
        Path vit = tmp.resolve("vit.onnx");
        OnnxModels.save(VitModel.build(new VitConfig(16, 8, 3, 8, 1, 2, 16, 1e-12), 1).graph(), vit);
        Files.copy(Encoders.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json"),
                tmp.resolve("tokenizer.json"));
        TextEncoderSpec spec = Encoders.text(vit.toString(), null);
        DeviceSessions cpu = new DeviceSessions(ExecutionDevice.CPU, 1);
        try (TextTokenizer tok = TextTokenizer.load(spec.tokenizer(), 16)) {
            EncoderInterfaceException e = assertThrows(EncoderInterfaceException.class,
                    () -> TextEncoder.open(spec, tok, cpu).close());
            assertTrue(e.getMessage().contains("text encoder vit") && e.getMessage().contains("no input 'input_ids'"),
                    e.getMessage());
        }
        // the MiniLM as an image encoder: wrong input
        var img = new dev.cggm.features.encoders.ImageEncoderSpec("minilm",
                Encoders.text(Encoders.DEFAULT_TEXT, null).model(), null, true);
        EncoderInterfaceException e2 = assertThrows(EncoderInterfaceException.class,
                () -> dev.cggm.features.encoders.ImageEncoder.open(img,
                        dev.cggm.features.images.PreprocessorConfig.vitDefaults(32), cpu).close());
        assertTrue(e2.getMessage().contains("no input 'pixel_values'"), e2.getMessage());
        // a corrupt model file
        Path junk = tmp.resolve("junk.onnx");
        Files.writeString(junk, "not a model");
        TextEncoderSpec bad = Encoders.text(junk.toString(), tmp.resolve("tokenizer.json"));
        try (TextTokenizer tok = TextTokenizer.load(bad.tokenizer(), 16)) {
            EncoderInterfaceException e3 = assertThrows(EncoderInterfaceException.class,
                    () -> TextEncoder.open(bad, tok, cpu).close());
            assertTrue(e3.getMessage().contains("junk.onnx") && e3.getMessage().contains("cannot be loaded"), e3.getMessage());
        }
    }

    @Test
    void tokenizerThatDoesNotFitTheModelIsAClearError(@TempDir Path tmp) throws Exception {
        TextEncoderSpec minilm = Encoders.text(Encoders.DEFAULT_TEXT, null);
        DeviceSessions cpu = new DeviceSessions(ExecutionDevice.CPU, 1);
        // a tokenizer with ids beyond the model's 30,522-row embedding table
        String json = new String(minilm.tokenizer().read(), StandardCharsets.UTF_8).replaceFirst(
                "\"added_tokens\"\\s*:\\s*\\[",
                "\"added_tokens\": [{\"id\": 40000, \"content\": \"[XTRA]\", \"single_word\": false, \"lstrip\": false, "
                        + "\"rstrip\": false, \"normalized\": false, \"special\": true},");
        Path tokFile = tmp.resolve("big-tokenizer.json");
        Files.writeString(tokFile, json);
        TextEncoderSpec spec = new TextEncoderSpec("minilm", minilm.model(), ModelSource.file(tokFile));
        try (TextTokenizer tok = TextTokenizer.load(spec.tokenizer(), 16)) {
            assertEquals(40001, tok.vocabSize());
            EncoderInterfaceException e = assertThrows(EncoderInterfaceException.class,
                    () -> TextEncoder.open(spec, tok, cpu).close());
            assertTrue(e.getMessage().contains("does not fit text encoder minilm")
                    && e.getMessage().contains("big-tokenizer.json"), e.getMessage());
        }
        // longer than the model's 512 positions
        try (TextTokenizer tok = TextTokenizer.load(minilm.tokenizer(), 600)) {
            EncoderInterfaceException e = assertThrows(EncoderInterfaceException.class,
                    () -> TextEncoder.open(minilm, tok, cpu).close());
            assertTrue(e.getMessage().contains("at length 600"), e.getMessage());
        }
    }
}
