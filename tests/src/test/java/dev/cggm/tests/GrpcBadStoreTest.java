package dev.cggm.tests;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.api.v1.CreateExtractionRequest;
import dev.cggm.api.v1.DatasetFormat;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.PredictRunRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.features.store.StoreManifest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged feature stores in a real server's data directory (a server process, so its log can be
 * read): a truncated shard, a manifest naming a file outside the store, a manifest that disagrees
 * with its shards, a corrupt manifest. Each is answered with a precise status or run failure in
 * one line naming the store's file — never INTERNAL, never the bytes of a file, never a stack
 * trace at ERROR in the server log.
 */
class GrpcBadStoreTest {
    @Test
    void damagedStoresGetOneLineNamingTheFileAndTheServerLogsNoStackTrace(@TempDir Path tmp) throws Exception {
        Path data = GrpcFixtures.dataDir(tmp);
        Path token = GrpcFixtures.tokenFile(tmp);
        Path small = data.resolve(GrpcFixtures.STORE);
        Path truncated = copy(small, data.resolve("features/truncated"));
        Path shard = truncated.resolve("test/part-00000.arrow");
        Files.write(shard, Arrays.copyOf(Files.readAllBytes(shard), 1000));
        editManifest(copy(small, data.resolve("features/escape")), m -> ((ObjectNode) m.path("splits").path("train")
                .path("shards").get(0)).put("file", "../../../../../../../../etc/passwd"));
        editManifest(copy(small, data.resolve("features/shape")), m -> m.path("modalities").forEach(mod -> {
            if (mod.path("name").asText().equals("text")) {
                ArrayNode shape = (ArrayNode) mod.path("shape");
                shape.set(1, shape.get(1).asInt() - 1);
            }
        }));
        Files.createDirectories(data.resolve("features/corrupt"));
        Files.writeString(data.resolve("features/corrupt/manifest.json"), "{\"format\": \"cggm-feature-store\", \"ver");

        Path log = tmp.resolve("server.log");
        ServerProcess server = ServerProcess.start(data, token, log);
        ManagedChannel channel = GrpcFixtures.channel(server.port);
        try {
            TrainingServiceGrpc.TrainingServiceBlockingStub stub = GrpcFixtures.training(channel);

            // PredictRun against a store with a truncated shard: FAILED_PRECONDITION naming the shard
            Run good = GrpcFixtures.create(stub, GrpcFixtures.tiny(1));
            GrpcFixtures.awaitState(stub, good.getRunId(), JobState.JOB_STATE_SUCCEEDED);
            StatusRuntimeException predict = assertThrows(StatusRuntimeException.class, () -> stub.predictRun(
                    PredictRunRequest.newBuilder().setRunId(good.getRunId()).setFeatures("features/truncated").build())
                    .forEachRemaining(r -> { }));
            assertEquals(Status.Code.FAILED_PRECONDITION, predict.getStatus().getCode(), predict.toString());
            assertOneLine(predict.getStatus().getDescription(), "shard test/part-00000.arrow is damaged", tmp);

            // a manifest naming a file outside the store is refused at CreateRun, without opening it
            StatusRuntimeException escape = assertThrows(StatusRuntimeException.class,
                    () -> GrpcFixtures.create(stub, GrpcFixtures.tiny(1).setFeatures("features/escape")));
            assertEquals(Status.Code.FAILED_PRECONDITION, escape.getStatus().getCode(), escape.toString());
            assertOneLine(escape.getStatus().getDescription(), "leads outside the store", tmp);
            assertFalse(escape.getStatus().getDescription().contains("root:"));

            // a manifest that disagrees with its shards: the run fails naming the shard and the column
            Run shape = GrpcFixtures.create(stub, GrpcFixtures.tiny(1).setFeatures("features/shape"));
            Run failed = GrpcFixtures.awaitState(stub, shape.getRunId(), JobState.JOB_STATE_FAILED);
            assertOneLine(failed.getStateReason(), "does not match the manifest: it holds column 'text'", tmp);

            // CreateExtraction into a feature set whose manifest is corrupt: a status and one line naming it
            StatusRuntimeException corrupt = assertThrows(StatusRuntimeException.class, () -> GrpcFixtures
                    .features(channel).createExtraction(CreateExtractionRequest.newBuilder().setFeatureSetId("corrupt")
                            .setOptions(ExtractionOptions.newBuilder().setDataset("datasets/demo")
                                    .setFormat(DatasetFormat.DATASET_FORMAT_DEMO)).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, corrupt.getStatus().getCode(), corrupt.toString());
            assertOneLine(corrupt.getStatus().getDescription(), "feature set 'corrupt'", tmp);
            assertTrue(corrupt.getStatus().getDescription().contains("manifest.json is not readable"),
                    corrupt.getStatus().getDescription());
        } finally {
            channel.shutdownNow();
            server.stop();
        }
        String out = Files.readString(log);
        assertFalse(out.contains("ERROR") || out.contains("\tat "), "no stack trace, nothing at ERROR:\n" + out);
        assertTrue(out.contains("WARN"), "the failures are logged as warnings:\n" + out);
        out.lines().filter(l -> l.startsWith("WARN")).forEach(System.out::println);
    }

    /** One line, containing {@code what}, without the server's paths or Jackson's parser excerpt. */
    private static void assertOneLine(String message, String what, Path serverRoot) {
        assertTrue(message.contains(what), message);
        assertFalse(message.contains("\n") || message.contains("Source:"), message);
        assertFalse(message.contains(serverRoot.toString()), "no server path: " + message);
    }

    private static void editManifest(Path store, Consumer<ObjectNode> edit) throws IOException {
        Path f = store.resolve(StoreManifest.FILE);
        ObjectNode m = (ObjectNode) StoreManifest.JSON.readTree(f.toFile());
        edit.accept(m);
        StoreManifest.JSON.writeValue(f.toFile(), m);
    }

    private static Path copy(Path from, Path to) throws IOException {
        GrpcFixtures.copyTree(from, to);
        return to;
    }
}
