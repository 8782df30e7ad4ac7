package dev.cggm.tests;

import dev.cggm.api.v1.CancelExtractionRequest;
import dev.cggm.api.v1.CreateExtractionRequest;
import dev.cggm.api.v1.DatasetFormat;
import dev.cggm.api.v1.Extraction;
import dev.cggm.api.v1.ExtractionEvent;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.FeatureSet;
import dev.cggm.api.v1.FeatureSetStatus;
import dev.cggm.api.v1.GetExtractionRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.ListExtractionsRequest;
import dev.cggm.api.v1.ListFeatureSetsRequest;
import dev.cggm.api.v1.ListFeatureSetsResponse;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.SplitSummary;
import dev.cggm.api.v1.WatchExtractionRequest;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.server.CggmServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.cggm.tests.GrpcTrainingTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FeatureService against a real server: extractions of real (small, generated) datasets with the
 * real encoders, their events, feature sets listed and trained on, cancellation and resumption,
 * and validation.
 */
class GrpcFeatureTest {
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
        DemoDataset.prepare(tmp.resolve("data/datasets/small"), new DemoDataset.Spec(24, 8, 8, 3));
        DemoDataset.prepare(tmp.resolve("data/datasets/larger"), new DemoDataset.Spec(320, 0, 0, 4));
    }

    @AfterAll
    static void stopServer() {
        channel.shutdownNow();
        server.shutdown();
    }

    static ExtractionOptions.Builder jsonl(String dataset) {
        return ExtractionOptions.newBuilder().setDataset(dataset).setFormat(DatasetFormat.DATASET_FORMAT_JSONL)
                .setDevice("cpu").setMaxLength(8).setBatchSize(8);
    }

    static List<ExtractionEvent> watch(String id) {
        List<ExtractionEvent> events = new ArrayList<>();
        stub.withDeadlineAfter(5, TimeUnit.MINUTES).watchExtraction(WatchExtractionRequest.newBuilder()
                .setExtractionId(id).build()).forEachRemaining(events::add);
        return events;
    }

    @Test
    void anExtractionMakesAFeatureSetThatIsListedAndTrainsARun() throws Exception {
        Extraction x = stub.createExtraction(CreateExtractionRequest.newBuilder().setFeatureSetId("api-small")
                .setOptions(jsonl("datasets/small")).build());
        assertEquals(JobState.JOB_STATE_QUEUED, x.getState());
        assertEquals("api-small", x.getFeatureSetId());
        assertEquals(8, x.getOptions().getMaxLength());
        assertEquals(1024, x.getOptions().getShardSize(), "defaults filled in");

        List<ExtractionEvent> events = watch(x.getExtractionId());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).getSequence());
        }
        assertEquals(List.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                events.stream().filter(ExtractionEvent::hasStateChange).map(e -> e.getStateChange().getState()).toList());
        Map<String, Long> finalProgress = new LinkedHashMap<>();
        events.stream().filter(ExtractionEvent::hasProgress).forEach(e -> finalProgress.put(e.getProgress().getSplit(),
                e.getProgress().getDone()));
        assertEquals(Map.of("train", 24L, "validation", 8L, "test", 8L), finalProgress);

        Extraction done = stub.getExtraction(GetExtractionRequest.newBuilder().setExtractionId(x.getExtractionId()).build());
        assertEquals(List.of("train", "validation", "test"),
                done.getResult().getSplitsList().stream().map(SplitSummary::getSplit).toList());
        assertEquals(24, done.getResult().getSplits(0).getRows());
        assertEquals("cpu", done.getResult().getDevice());

        ListFeatureSetsResponse sets = stub.listFeatureSets(ListFeatureSetsRequest.getDefaultInstance());
        FeatureSet fs = sets.getFeatureSetsList().stream().filter(f -> f.getFeatureSetId().equals("api-small")).findFirst()
                .orElseThrow();
        assertEquals("features/api-small", fs.getPath());
        assertEquals(FeatureSetStatus.FEATURE_SET_STATUS_COMPLETE, fs.getStatus());
        assertEquals(DemoDataset.CLASSES, fs.getLabelNamesList());
        assertEquals(List.of(8, 384), fs.getModalitiesList().stream().filter(m -> m.getName().equals("text")).findFirst()
                .orElseThrow().getShapeList());
        assertTrue(stub.listExtractions(ListExtractionsRequest.getDefaultInstance()).getExtractionsList().stream()
                .anyMatch(e -> e.getExtractionId().equals(x.getExtractionId())));

        // the same feature set again: it exists
        assertStatus(Status.Code.ALREADY_EXISTS, "api-small", () -> stub.createExtraction(CreateExtractionRequest.newBuilder()
                .setFeatureSetId("api-small").setOptions(jsonl("datasets/small")).build()));

        // and it trains
        var training = GrpcFixtures.training(channel);
        Run run = GrpcFixtures.create(training, GrpcFixtures.tiny(1).setFeatures(fs.getPath()).setBatchSize(8));
        GrpcFixtures.watch(training, run.getRunId(), 0);
        assertEquals(JobState.JOB_STATE_SUCCEEDED, GrpcFixtures.awaitState(training, run.getRunId(),
                JobState.JOB_STATE_SUCCEEDED).getState());
    }

    @Test
    void aCancelledExtractionKeepsItsShardsAndAnotherOneResumesIt() throws Exception {
        ExtractionOptions.Builder options = jsonl("datasets/larger").setShardSize(32);
        Extraction x = stub.createExtraction(CreateExtractionRequest.newBuilder().setFeatureSetId("larger")
                .setOptions(options).build());
        GrpcFixtures.await("64 samples extracted", () -> stub.getExtraction(GetExtractionRequest.newBuilder()
                .setExtractionId(x.getExtractionId()).build()).getProgressList().stream()
                .anyMatch(p -> p.getDone() >= 64));
        assertStatus(Status.Code.ALREADY_EXISTS, "being written", () -> stub.createExtraction(CreateExtractionRequest
                .newBuilder().setFeatureSetId("larger").setOptions(options).build()));
        stub.cancelExtraction(CancelExtractionRequest.newBuilder().setExtractionId(x.getExtractionId()).build());
        List<ExtractionEvent> events = watch(x.getExtractionId());
        ExtractionEvent last = events.get(events.size() - 1);
        assertEquals(JobState.JOB_STATE_CANCELLED, last.getStateChange().getState(), last.toString());
        assertStatus(Status.Code.FAILED_PRECONDITION, "CANCELLED", () -> stub.cancelExtraction(
                CancelExtractionRequest.newBuilder().setExtractionId(x.getExtractionId()).build()));
        FeatureSet partial = stub.listFeatureSets(ListFeatureSetsRequest.getDefaultInstance()).getFeatureSetsList()
                .stream().filter(f -> f.getFeatureSetId().equals("larger")).findFirst().orElseThrow();
        assertEquals(FeatureSetStatus.FEATURE_SET_STATUS_IN_PROGRESS, partial.getStatus());
        assertStatus(Status.Code.FAILED_PRECONDITION, "incomplete", () -> GrpcFixtures.create(
                GrpcFixtures.training(channel), GrpcFixtures.tiny(1).setFeatures("features/larger")));

        Extraction again = stub.createExtraction(CreateExtractionRequest.newBuilder().setFeatureSetId("larger")
                .setOptions(options).build());
        watch(again.getExtractionId());
        Extraction done = stub.getExtraction(GetExtractionRequest.newBuilder().setExtractionId(again.getExtractionId())
                .build());
        assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.getStateReason());
        SplitSummary train = done.getResult().getSplits(0);
        assertEquals(320, train.getRows());
        assertTrue(train.getProcessed() <= 320 - 64, "finished shards were kept: processed " + train.getProcessed());
    }

    @Test
    void invalidExtractionsNameTheField() {
        Map<String, ExtractionOptions.Builder> bad = new LinkedHashMap<>();
        bad.put("options.format", jsonl("datasets/small").setFormat(DatasetFormat.DATASET_FORMAT_UNSPECIFIED));
        bad.put("options.dataset", jsonl("datasets/none"));
        bad.put("options.dataset ", jsonl(""));
        bad.put("options.text_encoder", jsonl("datasets/small").setTextEncoder("gpt-17"));
        bad.put("options.text_encoder ", jsonl("datasets/small").setTextEncoder("encoders/missing.onnx"));
        bad.put("options.image_encoder", jsonl("datasets/small").setImageEncoder("resnet-9000"));
        bad.put("options.tokenizer", jsonl("datasets/small").setTokenizer("nothing.json"));
        bad.put("options.max_length", jsonl("datasets/small").setMaxLength(1));
        bad.put("options.batch_size", jsonl("datasets/small").setBatchSize(0));
        bad.put("options.image_mean", jsonl("datasets/small").addImageMean(0.5f).addImageMean(0.5f));
        bad.put("options.image_std", jsonl("datasets/small").addAllImageStd(List.of(0f, 0f, 0f)));
        bad.put("options.image_std ", jsonl("datasets/small").addAllImageStd(List.of(0.5f, -1f, 0.5f)));
        bad.put("options.image_mean ", jsonl("datasets/small").addAllImageMean(List.of(0.5f, Float.NaN, 0.5f)));
        bad.put("options.splits", jsonl("datasets/small").addSplits("../train"));
        bad.put("options.splits ", jsonl("datasets/small").addSplits("train").addSplits("train"));
        bad.put("options.device", jsonl("datasets/small").setDevice("quantum"));
        bad.put("options.limit", jsonl("datasets/small").setLimit(-1));
        for (var e : bad.entrySet()) {
            assertStatus(Status.Code.INVALID_ARGUMENT, e.getKey().strip() + ":", () -> stub.createExtraction(
                    CreateExtractionRequest.newBuilder().setOptions(e.getValue()).build()));
        }
        assertStatus(Status.Code.INVALID_ARGUMENT, "options:", () -> stub.createExtraction(
                CreateExtractionRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "feature_set_id:", () -> stub.createExtraction(
                CreateExtractionRequest.newBuilder().setFeatureSetId("../up").setOptions(jsonl("datasets/small")).build()));
        assertStatus(Status.Code.NOT_FOUND, "nope", () -> stub.getExtraction(GetExtractionRequest.newBuilder()
                .setExtractionId("nope").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "page_token", () -> stub.listFeatureSets(ListFeatureSetsRequest
                .newBuilder().setPageToken("%%").build()));
    }
}
