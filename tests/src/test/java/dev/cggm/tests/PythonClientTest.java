package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Python client ({@code tests/python/cggm_client.py}, stubs generated from {@code proto/} with
 * grpcio-tools) drives a real server through the whole flow of its documented example: it creates
 * an extraction of a small dataset and a run on the feature set, watches both to completion,
 * exports the model, runs it in Python onnxruntime on the store's features (read with pyarrow) and
 * compares its outputs with the server's predictions for the same samples.
 */
class PythonClientTest {
    @Test
    void thePythonExampleExtractsTrainsWatchesExportsAndReproducesTheServersOutputs(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        DemoDataset.prepare(data.resolve("datasets/demo-small"), new DemoDataset.Spec(40, 16, 16, 13));
        CggmServer server = CggmServer.start(ServerConfig.defaults(0, data, GrpcFixtures.tokenFile(tmp)));
        try {
            String out = PythonEnv.run("cggm_client.py", "--target", "localhost:" + server.port(), "--token-file",
                    tmp.resolve("token").toString(), "end-to-end", "--data-dir", data.toString(), "--dataset",
                    "datasets/demo-small", "--format", "jsonl", "--feature-set", "py-small", "--limit", "0",
                    "--epochs", "2", "--workdir", tmp.toString());
            String[] lines = out.strip().split("\n");
            JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertTrue(summary.path("ok").asBoolean(), out);
            assertTrue(summary.path("sequences_in_order").asBoolean(), out);
            JsonNode check = summary.path("model_check");
            assertEquals(16, check.path("samples").asInt(), out);
            assertTrue(check.path("max_abs_diff").asDouble() < 1e-4, out);
            assertEquals(1.0, check.path("argmax_agreement").asDouble(), out);
            assertEquals(2 * 5, summary.path("event_kinds").path("step").asInt(), "2 epochs x 5 steps: " + out);
            System.out.println(out);
        } finally {
            server.shutdown();
        }
    }

    /**
     * grpcio-reflection's standard client speaks only {@code grpc.reflection.v1alpha}: it lists
     * the services and resolves TrainingService's methods with the token, and is UNAUTHENTICATED
     * without it.
     */
    @Test
    void pythonsStandardReflectionClientWorksWithTheTokenOnly(@TempDir Path tmp) throws Exception {
        CggmServer server = CggmServer.start(ServerConfig.defaults(0, tmp.resolve("data"), GrpcFixtures.tokenFile(tmp)));
        try {
            String out = PythonEnv.run("reflection_check.py", "--target", "localhost:" + server.port(), "--token-file",
                    tmp.resolve("token").toString());
            String[] lines = out.strip().split("\n");
            JsonNode r = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals("UNAUTHENTICATED", r.path("without_token").asText(), out);
            List<String> services = new ArrayList<>();
            r.path("services").forEach(n -> services.add(n.asText()));
            assertTrue(services.containsAll(List.of("cggm.v1.TrainingService", "cggm.v1.FeatureService",
                    "grpc.health.v1.Health")), out);
            List<String> methods = new ArrayList<>();
            r.path("training_methods").forEach(n -> methods.add(n.asText()));
            assertTrue(methods.containsAll(List.of("CreateRun", "GetRun", "WatchRun", "PredictRun")), out);
        } finally {
            server.shutdown();
        }
    }
}
