package dev.cggm.tests;

import dev.cggm.api.v1.CreateImportRequest;
import dev.cggm.api.v1.Extraction;
import dev.cggm.api.v1.ExtractionEvent;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.FeatureSet;
import dev.cggm.api.v1.ImportFormat;
import dev.cggm.api.v1.ImportOptions;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.ListFeatureSetsRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.TableModality;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchExtractionRequest;
import dev.cggm.server.CggmServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.cggm.tests.GrpcTrainingTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FeatureService.CreateImport against a real server: files in the reference layouts (written by
 * Python, as in {@link ImportCommandTest}) become feature sets that are listed with their task,
 * train a run, and fail with one line when they are broken; bad options are INVALID_ARGUMENT.
 */
class GrpcImportTest {
    @TempDir
    static Path tmp;
    static CggmServer server;
    static ManagedChannel channel;
    static FeatureServiceGrpc.FeatureServiceBlockingStub stub;

    @BeforeAll
    static void startServer() throws Exception {
        server = GrpcFixtures.start(tmp);
        channel = GrpcFixtures.channel(server.port());
        stub = GrpcFixtures.features(channel);
        ImportCommandTest.fixture(tmp.resolve("data/datasets/mosi"), "mosi");
        ImportCommandTest.fixture(tmp.resolve("data/datasets/table"), "table", "--format", "spark");
    }

    @AfterAll
    static void stopServer() {
        channel.shutdownNow();
        server.shutdown();
    }

    static Extraction run(String featureSet, ImportOptions.Builder options) {
        Extraction x = stub.createImport(CreateImportRequest.newBuilder().setFeatureSetId(featureSet)
                .setOptions(options).build());
        List<ExtractionEvent> events = new ArrayList<>();
        stub.withDeadlineAfter(5, TimeUnit.MINUTES).watchExtraction(WatchExtractionRequest.newBuilder()
                .setExtractionId(x.getExtractionId()).build()).forEachRemaining(events::add);
        assertTrue(events.get(events.size() - 1).hasStateChange());
        return stub.getExtraction(dev.cggm.api.v1.GetExtractionRequest.newBuilder()
                .setExtractionId(x.getExtractionId()).build());
    }

    static FeatureSet featureSet(String id) {
        return stub.listFeatureSets(ListFeatureSetsRequest.newBuilder().setPageSize(500).build()).getFeatureSetsList()
                .stream().filter(f -> f.getFeatureSetId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aMosiPickleImportsIntoARegressionFeatureSet() {
        Extraction x = run("mosi", ImportOptions.newBuilder().setDataset("datasets/mosi/mosi.pkl")
                .setFormat(ImportFormat.IMPORT_FORMAT_MOSI));
        assertEquals(JobState.JOB_STATE_SUCCEEDED, x.getState(), x.getStateReason());
        assertTrue(x.hasImportOptions() && !x.hasOptions());
        assertEquals(1024, x.getImportOptions().getShardSize(), "defaults filled in");
        assertEquals(5, x.getResult().getSplits(0).getRows(), "7 train entries, 2 bad");
        assertEquals(2, x.getResult().getSplits(0).getErrors());
        FeatureSet f = featureSet("mosi");
        assertEquals("regression", f.getTask());
        assertEquals("target", f.getTargetColumn());
        assertEquals("sentiment", f.getTargetName());
        assertEquals(List.of(-3.0, 3.0), f.getTargetRangeList());
        assertEquals("mosi", f.getDatasetFormat());
        assertEquals(List.of("text", "audio", "vision"), f.getModalitiesList().stream().map(m -> m.getName()).toList());
        assertEquals(List.of(5, 4), f.getModalities(1).getShapeList());
        assertEquals("mosi.pkl: <split>/audio", f.getModalities(1).getSource());
        assertEquals("", f.getModalities(1).getEncoder());
    }

    @Test
    void thePythonClientImports() throws Exception {
        String out = PythonEnv.run("cggm_client.py", "--target", "localhost:" + server.port(), "--token-file",
                tmp.resolve("token").toString(), "import", "--dataset", "datasets/mosi/mosi.pkl", "--format", "mosi",
                "--feature-set", "py-mosi");
        String[] lines = out.strip().split("\n");
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(lines[lines.length - 1]);
        assertEquals("regression", j.get("task").asText(), out);
        assertEquals("sentiment", j.get("target").asText(), out);
        assertEquals("[5,4]", j.get("modalities").get("audio").toString(), out);
        assertEquals(5, j.get("rows").get("train").asInt(), out);
    }

    @Test
    void anImportedMosiFeatureSetTrainsTheMosiPresetWithThePapersMetrics() throws Exception {
        Extraction x = run("mosi-train", ImportOptions.newBuilder().setDataset("datasets/mosi/mosi.pkl")
                .setFormat(ImportFormat.IMPORT_FORMAT_MOSI));
        assertEquals(JobState.JOB_STATE_SUCCEEDED, x.getState(), x.getStateReason());
        TrainingServiceGrpc.TrainingServiceBlockingStub training = GrpcFixtures.training(channel);
        Run r = GrpcFixtures.create(training, GrpcFixtures.tiny(1).setFeatures("features/mosi-train").setPreset("mosi")
                .setBatchSize(4));
        Run done = GrpcFixtures.awaitState(training, r.getRunId(), JobState.JOB_STATE_SUCCEEDED);
        java.util.Map<String, Double> test = done.getResult().getTest().getTaskMetricsMap();
        assertTrue(test.keySet().containsAll(List.of("mae", "acc2", "acc7", "f1")), test.toString());
        assertEquals(java.util.Set.of("text", "audio", "vision"),
                done.getResult().getTest().getClassifierAccuracyMap().keySet());
    }

    @Test
    void aSparkStyleParquetTableImportsAndTrainsARun() throws Exception {
        Extraction x = run("table", ImportOptions.newBuilder().setDataset("datasets/table")
                .setFormat(ImportFormat.IMPORT_FORMAT_TABLE).setShardSize(4)
                .addModalities(TableModality.newBuilder().setName("text").setColumn("text_emb").setLengthColumn("text_len"))
                .addModalities(TableModality.newBuilder().setName("audio").setColumn("audio_emb")));
        assertEquals(JobState.JOB_STATE_SUCCEEDED, x.getState(), x.getStateReason());
        FeatureSet f = featureSet("table");
        assertEquals("classification", f.getTask());
        assertEquals(List.of("cat", "dog", "fox"), f.getLabelNamesList());
        assertEquals("text_length", f.getModalities(0).getLengthColumn());
        TrainingServiceGrpc.TrainingServiceBlockingStub training = GrpcFixtures.training(channel);
        Run r = GrpcFixtures.create(training, GrpcFixtures.tiny(1).setFeatures("features/table").setBatchSize(4));
        Run done = GrpcFixtures.awaitState(training, r.getRunId(), JobState.JOB_STATE_SUCCEEDED);
        assertEquals(java.util.Set.of("text", "audio"), done.getResult().getTest().getClassifierAccuracyMap().keySet());
        assertTrue(done.getResult().getTest().getTaskMetricsMap().containsKey("acc"), done.toString());
    }

    @Test
    void brokenFilesFailTheJobWithOneLineAndBadOptionsAreInvalid() throws Exception {
        Path bad = tmp.resolve("data/datasets/broken.pkl");
        byte[] all = Files.readAllBytes(tmp.resolve("data/datasets/mosi/mosi.pkl"));
        Files.write(bad, java.util.Arrays.copyOf(all, all.length / 3));
        Extraction x = run("broken", ImportOptions.newBuilder().setDataset("datasets/broken.pkl")
                .setFormat(ImportFormat.IMPORT_FORMAT_MOSI));
        assertEquals(JobState.JOB_STATE_FAILED, x.getState());
        assertTrue(x.getStateReason().contains("truncated"), x.getStateReason());
        assertFalse(x.getStateReason().contains(tmp.toString()), "no server path: " + x.getStateReason());
        assertEquals(1, x.getStateReason().lines().count());

        assertStatus(Status.Code.INVALID_ARGUMENT, "options.format", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("datasets/mosi")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "options.dataset", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("datasets/nothing.pkl")
                        .setFormat(ImportFormat.IMPORT_FORMAT_MOSI)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "options.dataset", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("/etc")
                        .setFormat(ImportFormat.IMPORT_FORMAT_TABLE)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "options.norm", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("datasets/table")
                        .setFormat(ImportFormat.IMPORT_FORMAT_IEMOCAP).setNorm("zscore")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "options.cv", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("datasets/table")
                        .setFormat(ImportFormat.IMPORT_FORMAT_IEMOCAP).setCv(0)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "options.modalities", () -> stub.createImport(
                CreateImportRequest.newBuilder().setOptions(ImportOptions.newBuilder().setDataset("datasets/table")
                        .setFormat(ImportFormat.IMPORT_FORMAT_TABLE)).build()));
    }
}
