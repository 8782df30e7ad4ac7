package dev.cggm.tests;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.export.BundlePredictor;
import dev.cggm.export.PipelineBundle;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run exported as a pipeline bundle and used from raw samples: {@code ./cggm export} writes the
 * bundle, {@code ./cggm predict} runs it, and a Python pipeline that knows nothing of cggm
 * (tests/python/pipeline_predict.py: onnxruntime, HF tokenizers, Pillow, numpy, per the bundle's
 * own files) gets the same predictions. Features: the default encoders (quantized MiniLM,
 * EfficientNet-Lite0), images mean-pooled, text full sequence.
 */
class PipelineBundleTest {
    /**
     * Probabilities within this of each other: both sides run the same model.onnx in the same
     * ONNX Runtime version (1.29.0) on equal inputs; the quantized text encoder's scales depend
     * only on its own input, which is the same on both sides (one sample per run).
     */
    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path shared;
    static Path data;
    static Path run;
    static Path bundle;

    @BeforeAll
    static void trainAndExport() throws Exception {
        data = DemoDataset.prepare(shared.resolve("demo"), new DemoDataset.Spec(40, 10, 12, 21)).getParent();
        Path store = shared.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(),
                "--device", "cpu", "--batch-size", "8", "--max-length", "16", "--pooling", "image=mean"));
        run = shared.resolve("run");
        var t = TrainEndToEndTest.capture(() -> Main.run("train", "--features", store.toString(), "--preset", "tiny",
                "--modulation", "cggm", "--out", run.toString(), "--epochs", "1", "--batch-size", "8", "--device", "cpu",
                "--quiet"));
        assertEquals(0, t.code(), t.err());
        bundle = shared.resolve("bundle");
        var e = TrainEndToEndTest.capture(() -> Main.run("export", run.toString(), "--out", bundle.toString()));
        assertEquals(0, e.code(), e.err());
    }

    @Test
    void bundleHoldsTheModelTheEncodersAndTheCard() throws Exception {
        for (String f : List.of(PipelineBundle.MODEL, PipelineBundle.TEXT_ENCODER, PipelineBundle.IMAGE_ENCODER,
                PipelineBundle.FUSION_MODEL, PipelineBundle.TOKENIZER, PipelineBundle.PREPROCESSOR, PipelineBundle.CARD)) {
            assertTrue(Files.isRegularFile(bundle.resolve(f)), f);
        }
        JsonNode card = new ObjectMapper().readTree(bundle.resolve(PipelineBundle.CARD).toFile());
        assertEquals(DemoDataset.CLASSES, new ObjectMapper().convertValue(card.get("labels"), List.class));
        assertEquals("efficientnet-lite0", card.at("/modalities/image/encoder").asText());
        assertEquals("mean", card.at("/modalities/image/pooling").asText());
        assertEquals(16, card.at("/modalities/text/tokenizer/max_length").asInt());
        assertEquals("cggm", card.at("/training/method").asText());
        assertEquals(64, card.at("/files/model.onnx").asText().length());
        var proto = dev.cggm.onnx.graph.OnnxModels.readProto(bundle.resolve(PipelineBundle.MODEL));
        assertTrue(proto.getMetadataPropsList().stream().anyMatch(p -> p.getKey().equals(PipelineBundle.CARD_METADATA)
                && p.getValue().contains("efficientnet-lite0")), "the card is in the model's metadata_props");
        List<String> inputs = proto.getGraph().getInputList().stream().map(v -> v.getName()).toList();
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids", "pixel_values"), inputs);
        assertEquals(16, proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue(),
                "input_ids is [batch, max_length]");
        var again = TrainEndToEndTest.capture(() -> Main.run("export", run.toString(), "--out", bundle.toString()));
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists and is not empty"), again.err());
    }

    @Test
    void predictMatchesThePythonPipelineAndTheTrainedModel(@TempDir Path tmp) throws Exception {
        // PNG samples only: JPEG decoders (ImageIO here, libjpeg in Pillow) may differ by a level in some pixels
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(data.resolve("manifest.jsonl"))) {
            if (l.contains("\"test\"") && l.contains(".png")) {
                lines.add(l);
            }
        }
        assertTrue(lines.size() >= 8, "test PNGs: " + lines.size());
        Path manifest = data.resolve("predict.jsonl");
        Files.write(manifest, lines);

        var ours = TrainEndToEndTest.capture(() -> Main.run("predict", "--model", bundle.toString(), "--input",
                manifest.toString(), "--json"));
        assertEquals(0, ours.code(), ours.err());
        String py = PythonEnv.run("pipeline_predict.py", bundle.toString(), manifest.toString());
        ObjectMapper json = new ObjectMapper();
        String[] a = ours.out().strip().split("\n");
        String[] b = py.strip().split("\n");
        assertEquals(lines.size(), a.length);
        assertEquals(lines.size(), b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            JsonNode x = json.readTree(a[i]);
            JsonNode y = json.readTree(b[i]);
            assertEquals(x.get("id"), y.get("id"));
            assertEquals(x.get("label"), y.get("label"), "argmax of " + x.get("id"));
            for (String label : DemoDataset.CLASSES) {
                worst = Math.max(worst, Math.abs(x.at("/probabilities/" + label).asDouble()
                        - y.at("/probabilities/" + label).asDouble()));
            }
        }
        assertTrue(worst < TOLERANCE, "max |Java − Python| probability = " + worst);
        System.out.println("pipeline bundle: max |./cggm predict − Python pipeline| probability = " + worst);

        // a bad sample gets its line and the rest go on
        Path withBad = tmp.resolve("bad.jsonl");
        Files.writeString(withBad, lines.get(0) + "\n{\"id\": \"ghost\", \"text\": \"a red disc\", \"image\": \"nope.png\"}\n"
                + "not json\n" + lines.get(1) + "\n");
        Files.copy(data.resolve(json.readTree(lines.get(0)).get("image").asText()),
                Files.createDirectories(tmp.resolve("images/test")).resolve(Path.of(json.readTree(lines.get(0))
                        .get("image").asText()).getFileName()));
        Files.copy(data.resolve(json.readTree(lines.get(1)).get("image").asText()),
                tmp.resolve("images/test").resolve(Path.of(json.readTree(lines.get(1)).get("image").asText()).getFileName()));
        var mixed = TrainEndToEndTest.capture(() -> Main.run("predict", "--model", bundle.toString(), "--input",
                withBad.toString()));
        assertEquals(1, mixed.code(), mixed.err());
        String[] out = mixed.out().strip().split("\n");
        assertEquals(4, out.length, mixed.out());
        assertTrue(out[1].startsWith("ghost\terror: ") && out[1].contains("nope.png"), out[1]);
        assertTrue(out[2].contains(":3\terror: not a JSON object"), out[2]);
        assertFalse(out[3].contains("error"), out[3]);
        assertEquals(json.readTree(a[0]).get("label").asText(), out[0].split("\t")[1]);
    }

    @Test
    void exportAndPredictRefuseWhatDoesNotFitInOneLine(@TempDir Path tmp) throws Exception {
        // a store whose manifest records another text encoder checksum than the encoder has now
        Path store = shared.resolve("store");
        Path changed = Files.createDirectories(tmp.resolve("changed-store"));
        JsonNode manifest = new ObjectMapper().readTree(store.resolve("manifest.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.get("modalities").get(0)).put("sha256", "0".repeat(64));
        Files.writeString(changed.resolve("manifest.json"), manifest.toString());
        var e = TrainEndToEndTest.capture(() -> Main.run("export", run.toString(), "--out", tmp.resolve("b").toString(),
                "--features", changed.toString()));
        assertEquals(1, e.code());
        assertTrue(e.err().startsWith("error: text encoder all-minilm-l6-v2-q is not the one the features were made with")
                && !e.err().contains("\tat "), e.err());
        assertFalse(Files.exists(tmp.resolve("b")), "nothing written");

        var p = TrainEndToEndTest.capture(() -> Main.run("predict", "--model", tmp.toString(), "--input",
                data.resolve("manifest.jsonl").toString()));
        assertEquals(1, p.code());
        assertTrue(p.err().contains("is not a pipeline bundle"), p.err());
    }

    /**
     * The glue is what the store did: the bundle's scores on raw samples equal the run's fusion
     * model on the features a store holds for them, extracted one sample per batch (the quantized
     * text encoder's features depend on the batch) — the same encoders, pooling and precision.
     */
    @Test
    void bundleScoresEqualTheFusionModelOnStoredFeatures() throws Exception {
        Path store1 = shared.resolve("store-batch1");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store1.toString(),
                "--device", "cpu", "--batch-size", "1", "--max-length", "16", "--pooling", "image=mean",
                "--split", "test"));
        Map<String, String[]> samples = new HashMap<>();
        for (String l : Files.readAllLines(data.resolve("manifest.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(l);
            samples.put(n.get("id").asText(), new String[] {n.get("text").asText(), n.get("image").asText()});
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double worst = 0;
        int n = 0;
        try (FeatureStore fs = FeatureStore.open(store1); var batches = fs.batches("test");
             OrtSession fusion = env.createSession(bundle.resolve(PipelineBundle.FUSION_MODEL).toString());
             BundlePredictor p = BundlePredictor.open(bundle, new DeviceSessions(ExecutionDevice.CPU, 0))) {
            for (FeatureBatch b : batches) {
                FloatBuffer text = b.floats("text");
                FloatBuffer image = b.floats("image");
                for (int r = 0; r < b.rowCount(); r++, n++) {
                    float[] t = new float[16 * 384];
                    float[] im = new float[1280];
                    text.get(r * t.length, t);
                    image.get(r * im.length, im);
                    float[] expected;
                    try (OnnxTensor tt = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {1, 16, 384});
                         OnnxTensor it = OnnxTensor.createTensor(env, FloatBuffer.wrap(im), new long[] {1, 1, 1280});
                         OrtSession.Result res = fusion.run(Map.of("text", tt, "image", it))) {
                        expected = ((float[][]) res.get(0).getValue())[0];
                    }
                    String[] s = samples.get(b.id(r));
                    float[] got = p.predict(b.id(r), s[0], data.resolve(s[1])).output();
                    for (int k = 0; k < expected.length; k++) {
                        worst = Math.max(worst, Math.abs(expected[k] - got[k]));
                    }
                }
            }
        }
        assertEquals(12, n);
        assertTrue(worst < 1e-4, "max |bundle − fusion model on stored features| = " + worst);
    }
}
