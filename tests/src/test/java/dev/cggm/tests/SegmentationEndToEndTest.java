package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.api.v1.CreateImportRequest;
import dev.cggm.api.v1.CreateRunRequest;
import dev.cggm.api.v1.Extraction;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.FeatureSet;
import dev.cggm.api.v1.GetExtractionRequest;
import dev.cggm.api.v1.ImportFormat;
import dev.cggm.api.v1.ImportOptions;
import dev.cggm.api.v1.ListFeatureSetsRequest;
import dev.cggm.api.v1.WatchExtractionRequest;
import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.Metrics;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.cli.Main;
import dev.cggm.features.brats.BratsPhantom;
import dev.cggm.features.imports.BratsSource;
import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segmentation end to end on a small generated BraTS-like dataset in the release layout (NIfTI,
 * gzip): sliced by {@code ./cggm extract --format brats}, trained from the command line with the
 * brats preset (summary.json and the pictures), exported as a bundle that Python onnxruntime runs
 * (4 channels in, class map out) to the JVM's scores, and imported and trained through the gRPC
 * API with per-region Dice in WatchRun and GetRun.
 */
class SegmentationEndToEndTest {
    static final List<String> DICE = List.of("dice", "dice_wt", "dice_tc", "dice_et");
    @TempDir
    static Path shared;
    static Path store;

    @BeforeAll
    static void extract() throws Exception {
        Path phantom = BratsPhantom.prepare(shared.resolve("phantom"), new BratsPhantom.Spec(40, 8, 4, 2, 2, 9));
        store = shared.resolve("data/features/brats");
        assertEquals(0, Main.run("extract", "--dataset", phantom.toString(), "--format", "brats", "--out", store.toString(),
                "--crop", "32"));
    }

    @Test
    void trainedFromTheCommandLineAndExportedForPythonOnnxRuntime(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, Main.run("train", "--features", store.toString(), "--preset", "brats", "--method", "cggm",
                "--epochs", "1", "--warmup-epochs", "0", "--batch-size", "4", "--device", "cpu", "--threads", "2",
                "--out", run.toString(), "--quiet"));
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        for (String k : DICE) {
            double v = summary.path("test").path(k).asDouble(-1);
            assertTrue(v >= 0 && v <= 1, k + " in summary.json: " + summary);
        }
        assertTrue(Files.size(run.resolve("segmentation.png")) > 0 && Files.size(run.resolve("training.png")) > 0);

        Path bundle = tmp.resolve("bundle");
        assertEquals(0, Main.run("export", run.toString(), "--out", bundle.toString()));
        List<float[]> expected;
        try (InMemoryFeatureData features = FeatureStoreData.load(store)) {
            expected = MethodExportPythonTest.outputs(run.resolve("inference_model.onnx"), features.test());
        }
        Path expectedFile = tmp.resolve("expected.json");
        new ObjectMapper().writeValue(expectedFile.toFile(), Map.of("output", expected));
        String out = PythonEnv.run("check_segmentation_export.py", bundle.toString(), store.toString(), "test",
                expectedFile.toString());
        JsonNode r = new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(r.path("ok").asBoolean(), r.toString());
        assertEquals(4, r.path("input_shape").get(1).asInt(), "four channels in: " + r);
        assertEquals(3, r.path("shapes").path("class_map").size(), "a class map [batch, H, W]: " + r);
    }

    @Test
    void importedAndTrainedThroughGrpcWithPerRegionDiceInWatchRunAndGetRun(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        GrpcFixtures.copyTree(shared.resolve("phantom"), data.resolve("datasets/phantom"));
        CggmServer server = CggmServer.start(ServerConfig.defaults(0, data, GrpcFixtures.tokenFile(tmp)));
        try {
            ManagedChannel channel = GrpcFixtures.channel(server.port());
            try {
                FeatureServiceGrpc.FeatureServiceBlockingStub features = GrpcFixtures.features(channel);
                GrpcTrainingTest.assertStatus(Status.Code.INVALID_ARGUMENT, "options.normalize", () -> features.createImport(
                        CreateImportRequest.newBuilder().setFeatureSetId("bad").setOptions(ImportOptions.newBuilder()
                                .setDataset("datasets/phantom").setFormat(ImportFormat.IMPORT_FORMAT_BRATS)
                                .setNormalize("minmax")).build()));
                Extraction x = features.createImport(CreateImportRequest.newBuilder().setFeatureSetId("brats")
                        .setOptions(ImportOptions.newBuilder().setDataset("datasets/phantom")
                                .setFormat(ImportFormat.IMPORT_FORMAT_BRATS).setCrop(32)).build());
                features.withDeadlineAfter(2, TimeUnit.MINUTES).watchExtraction(WatchExtractionRequest.newBuilder()
                        .setExtractionId(x.getExtractionId()).build()).forEachRemaining(e -> { });
                x = features.getExtraction(GetExtractionRequest.newBuilder().setExtractionId(x.getExtractionId()).build());
                assertEquals(JobState.JOB_STATE_SUCCEEDED, x.getState(), x.getStateReason());
                assertEquals(BratsSource.DEFAULT_SHARD_SIZE, x.getImportOptions().getShardSize(), "BraTS default shards");
                FeatureSet set = features.listFeatureSets(ListFeatureSetsRequest.getDefaultInstance()).getFeatureSetsList()
                        .stream().filter(f -> f.getFeatureSetId().equals("brats")).findFirst().orElseThrow();
                assertEquals("segmentation", set.getTask());

                TrainingServiceGrpc.TrainingServiceBlockingStub stub = GrpcFixtures.training(channel);
                TrainOptions.Builder options = TrainOptions.newBuilder().setFeatures("features/brats").setPreset("brats")
                        .setMethod("cggm").setEpochs(2).setWarmupEpochs(0).setBatchSize(4).setDevice("cpu").setThreads(2)
                        .setAugmentation("brats");
                Run run = stub.createRun(CreateRunRequest.newBuilder().setOptions(options).build());
                List<RunEvent> events = GrpcFixtures.watch(stub, run.getRunId(), 0);
                List<Metrics> epochs = events.stream().filter(RunEvent::hasEpoch).map(e -> e.getEpoch().getValidation())
                        .toList();
                assertEquals(2, epochs.size(), events.toString());
                for (Metrics m : epochs) {
                    assertTrue(m.getTaskMetricsMap().keySet().containsAll(DICE), m.toString());
                    assertEquals(List.of("flair", "t1ce", "t1", "t2"), List.copyOf(m.getClassifierAccuracyMap().keySet()));
                }
                assertTrue(events.stream().filter(RunEvent::hasStep).anyMatch(e -> e.getStep().getMethodMetricsMap()
                        .containsKey("coeff/t1ce")), "CGGM's coefficients per modality decoder in the step events");
                Run done = stub.withDeadlineAfter(1, TimeUnit.MINUTES)
                        .getRun(GetRunRequest.newBuilder().setRunId(run.getRunId()).build());
                assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.getStateReason());
                for (String k : DICE) {
                    double v = done.getResult().getTest().getTaskMetricsOrThrow(k);
                    assertTrue(v >= 0 && v <= 1, k + " = " + v);
                }
                assertEquals("brats", done.getOptions().getAugmentation());
                GrpcTrainingTest.assertStatus(Status.Code.INVALID_ARGUMENT, "segmentation", () -> stub.createRun(
                        CreateRunRequest.newBuilder().setOptions(options.clone().setMethod("ogm-ge")).build()));
            } finally {
                channel.shutdownNow();
            }
        } finally {
            server.shutdown();
            server.awaitTermination();
        }
    }
}
