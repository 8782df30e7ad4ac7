package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.method.Methods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered method, trained from the command line on a real store, exports an inference
 * model (with the method's prediction rule) that Python onnxruntime runs to the outputs the JVM's
 * ONNX Runtime gives.
 */
class MethodExportPythonTest {
    @Test
    void everyMethodsExportRunsInPythonToTheSameOutputs(@TempDir Path tmp) throws Exception {
        Path data = DemoDataset.prepare(tmp.resolve("demo"), new DemoDataset.Spec(48, 12, 16, 3));
        Path store = tmp.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(),
                "--device", "cpu", "--batch-size", "16", "--max-length", "12", "--image-encoder", "vit-tiny-seeded"));
        Map<String, Object> cases = new LinkedHashMap<>();
        try (InMemoryFeatureData features = FeatureStoreData.load(store)) {
            for (String method : Methods.names()) {
                if (method.equals("none")) {
                    continue;
                }
                Path run = tmp.resolve("runs").resolve(method);
                int code = Main.run("train", "--features", store.toString(), "--preset", "tiny", "--modulation", method,
                        "--out", run.toString(), "--epochs", "2", "--batch-size", "16", "--device", "cpu", "--threads", "1",
                        "--quiet");
                assertEquals(0, code, method + " trains from the command line");
                Path model = run.resolve("inference_model.onnx");
                cases.put(method, Map.of("model", model.toString(), "expected", outputs(model, features.test())));
            }
        }
        Path casesFile = tmp.resolve("cases.json");
        new ObjectMapper().writeValue(casesFile.toFile(), cases);
        String out = PythonEnv.run("check_exports.py", store.toString(), "test", casesFile.toString());
        JsonNode result = new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals(cases.keySet(), toSet(result));
        result.fields().forEachRemaining(e -> assertTrue(e.getValue().path("ok").asBoolean(), e.getKey() + ": " + e.getValue()));
    }

    private static java.util.Set<String> toSet(JsonNode n) {
        java.util.Set<String> s = new java.util.LinkedHashSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }

    /** The JVM's ONNX Runtime outputs of a model on a split, row by row. */
    static List<float[]> outputs(Path model, FeatureSplit split) throws Exception {
        int n = split.size();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (ModalityShape m : split.modalities()) {
            FloatBuffer buf = FloatBuffer.allocate(n * m.valuesPerSample());
            split.gather(m.name(), rows, buf);
            in.put(m.name(), HostTensor.of(buf.array(), n, m.seqLen(), m.dim()));
        }
        float[] flat;
        try (OrtModel m = OrtModel.load(Files.readAllBytes(model))) {
            flat = m.run(in, "output").get("output").floats();
        }
        int per = flat.length / n;
        List<float[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(java.util.Arrays.copyOfRange(flat, i * per, (i + 1) * per));
        }
        return out;
    }
}
