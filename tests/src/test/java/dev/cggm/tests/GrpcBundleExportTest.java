package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.api.v1.BundleFile;
import dev.cggm.api.v1.ExportFormat;
import dev.cggm.api.v1.ExportRunRequest;
import dev.cggm.api.v1.ExportRunResponse;
import dev.cggm.api.v1.ExportedModel;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.TensorInfo;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.export.BundlePredictor;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.server.CggmServer;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static dev.cggm.tests.GrpcFixtures.awaitState;
import static dev.cggm.tests.GrpcFixtures.create;
import static dev.cggm.tests.GrpcFixtures.tiny;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ExportRun with {@code format: EXPORT_FORMAT_BUNDLE} over a real server on loopback: the stream
 * is the description, then each file announced and sent in chunks; what a client receives is a
 * working bundle (BundlePredictor predicts a raw sample from it) and identical on a second request.
 */
class GrpcBundleExportTest {
    @TempDir
    static Path tmp;
    static CggmServer server;
    static ManagedChannel channel;
    static TrainingServiceGrpc.TrainingServiceBlockingStub stub;

    @BeforeAll
    static void startServer() throws Exception {
        server = GrpcFixtures.start(tmp);
        channel = GrpcFixtures.channel(server.port());
        stub = GrpcFixtures.training(channel);
    }

    @AfterAll
    static void stopServer() {
        channel.shutdownNow();
        server.shutdown();
    }

    @Test
    void bundleExportStreamsEveryFileAndTheBundleWorks() throws Exception {
        Run run = create(stub, tiny(1));
        awaitState(stub, run.getRunId(), JobState.JOB_STATE_SUCCEEDED);
        Path received = tmp.resolve("received");
        ExportedModel described = receive(run.getRunId(), received);
        assertEquals("model.onnx", described.getFileName());
        assertEquals(List.of("model.onnx", "text_encoder.onnx", "image_encoder.onnx", "fusion_model.onnx",
                "tokenizer.json", "preprocessor_config.json", "model.json"),
                described.getFilesList().stream().map(BundleFile::getPath).toList());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids", "pixel_values"),
                described.getInputsList().stream().map(TensorInfo::getName).toList());
        assertEquals(List.of(-1L, 3L, 64L, 64L), described.getInputs(3).getShapeList());
        assertEquals("probabilities", described.getOutputs(0).getName());
        assertEquals(DemoDataset.CLASSES, described.getLabelNamesList());
        for (BundleFile f : described.getFilesList()) {
            assertEquals(f.getSha256(), ModelSource.sha256(received.resolve(f.getPath())), f.getPath());
            assertEquals(f.getSizeBytes(), Files.size(received.resolve(f.getPath())), f.getPath());
        }

        // the received bundle predicts a raw sample of the dataset the store was made from
        JsonNode sample = null;
        Path manifest = Path.of(StoreManifest.read(GrpcFixtures.sharedStore()).dataset().path());   // the .jsonl
        Path dataset = manifest.getParent();
        for (String line : Files.readAllLines(manifest)) {
            if (line.contains("\"test\"")) {
                sample = new ObjectMapper().readTree(line);
                break;
            }
        }
        assertNotNull(sample);
        try (BundlePredictor p = BundlePredictor.open(received, new DeviceSessions(ExecutionDevice.CPU, 2))) {
            float[] probs = p.predict(sample.get("id").asText(), sample.get("text").asText(),
                    dataset.resolve(sample.get("image").asText())).probabilities();
            double sum = 0;
            for (float v : probs) {
                sum += v;
            }
            assertEquals(10, probs.length);
            assertEquals(1.0, sum, 1e-5);
        }

        // built once: a second request streams the same bundle
        Path again = tmp.resolve("again");
        receive(run.getRunId(), again);
        for (BundleFile f : described.getFilesList()) {
            assertArrayEquals(Files.readAllBytes(received.resolve(f.getPath())), Files.readAllBytes(again.resolve(f.getPath())));
        }
    }

    private static ExportedModel receive(String runId, Path dir) throws Exception {
        Files.createDirectories(dir);
        Iterator<ExportRunResponse> it = stub.exportRun(ExportRunRequest.newBuilder().setRunId(runId)
                .setFormat(ExportFormat.EXPORT_FORMAT_BUNDLE).setChunkSize(1 << 20).build());
        ExportedModel described = null;
        List<String> announced = new ArrayList<>();
        OutputStream current = null;
        try {
            while (it.hasNext()) {
                ExportRunResponse part = it.next();
                if (part.hasModel()) {
                    assertTrue(described == null, "one description, first");
                    described = part.getModel();
                } else if (part.hasFile()) {
                    assertNotNull(described, "the description comes first");
                    if (current != null) {
                        current.close();
                    }
                    announced.add(part.getFile().getPath());
                    current = Files.newOutputStream(dir.resolve(part.getFile().getPath()));
                } else {
                    assertNotNull(current, "chunks follow a file's announcement");
                    part.getChunk().writeTo(current);
                }
            }
        } finally {
            if (current != null) {
                current.close();
            }
        }
        assertNotNull(described);
        assertEquals(described.getFilesList().stream().map(BundleFile::getPath).toList(), announced);
        return described;
    }
}
