package dev.cggm.tests;

import dev.cggm.api.v1.StepMetrics;
import dev.cggm.api.v1.CggmCoefficients;
import dev.cggm.api.v1.MethodOption;
import dev.cggm.api.v1.MethodInfo;
import dev.cggm.api.v1.ListMethodsResponse;
import dev.cggm.api.v1.ListMethodsRequest;
import com.google.protobuf.Value;
import com.google.protobuf.Struct;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.cggm.api.v1.CancelRunRequest;
import dev.cggm.api.v1.CreateRunRequest;
import dev.cggm.api.v1.ExportRunRequest;
import dev.cggm.api.v1.ExportRunResponse;
import dev.cggm.api.v1.ExportedModel;
import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.ListRunsRequest;
import dev.cggm.api.v1.ListRunsResponse;
import dev.cggm.api.v1.Modulation;
import dev.cggm.api.v1.Optimizer;
import dev.cggm.api.v1.PauseRunRequest;
import dev.cggm.api.v1.PredictRunRequest;
import dev.cggm.api.v1.PredictRunResponse;
import dev.cggm.api.v1.Prediction;
import dev.cggm.api.v1.ResumeRunRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.StopRequest;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchRunRequest;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.server.CggmServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.cggm.tests.GrpcFixtures.awaitState;
import static dev.cggm.tests.GrpcFixtures.create;
import static dev.cggm.tests.GrpcFixtures.tiny;
import static dev.cggm.tests.GrpcFixtures.watch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TrainingService through a Java client against a real server on loopback, training real tiny
 * runs on a real feature store: the lifecycle and its history, pause/resume/cancel, queueing,
 * paging, export, predictions, validation with precise statuses, failures and deadlines.
 */
class GrpcTrainingTest {
    @TempDir
    static Path tmp;
    static CggmServer server;
    static ManagedChannel channel;
    static TrainingServiceGrpc.TrainingServiceBlockingStub stub;
    static Path data;

    @BeforeAll
    static void startServer() throws Exception {
        server = GrpcFixtures.start(tmp);
        data = tmp.resolve("data");
        channel = GrpcFixtures.channel(server.port());
        stub = GrpcFixtures.training(channel);
    }

    @AfterAll
    static void stopServer() {
        channel.shutdownNow();
        server.shutdown();
    }

    @Test
    void aRunSucceedsAndItsHistoryIsCompleteInOrderAndResumable() throws Exception {
        Run created = create(stub, tiny(2).setModulation(Modulation.MODULATION_CGGM));
        assertEquals(JobState.JOB_STATE_QUEUED, created.getState());
        TrainOptions o = created.getOptions();
        // resolved from the tiny recipe: every option is set
        assertEquals(Optimizer.OPTIMIZER_ADAMW, o.getOptimizer());
        assertEquals(1e-3, o.getLr());
        assertTrue(o.hasRho() && o.hasPatience() && o.hasDropout() && o.getDropout());

        List<RunEvent> events = watch(stub, created.getRunId(), 0);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).getSequence(), "sequences 1, 2, 3, ... without gaps");
        }
        assertEquals(List.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                events.stream().filter(RunEvent::hasStateChange).map(e -> e.getStateChange().getState()).toList());
        List<RunEvent> steps = events.stream().filter(RunEvent::hasStep).toList();
        assertEquals(12, steps.size(), "2 epochs x 6 steps");
        assertEquals(2, events.stream().filter(RunEvent::hasEpoch).count());
        var step = steps.get(0).getStep();
        assertEquals(6, step.getStepsPerEpoch());
        for (RunEvent e : steps) {
            assertEquals(e.getStep().getStep() + 1, e.getProgress().getCompletedSteps(), "progress rides on each step");
            assertEquals(12, e.getProgress().getTotalSteps());
            assertEquals(2, e.getProgress().getEpochs());
        }
        assertEquals(List.of("image", "text"), step.getModalitiesMap().keySet().stream().sorted().toList());
        assertTrue(step.getModalitiesMap().get("text").getCoefficient() != 0);

        // the events are the trainer's records
        List<String> stepLines = Files.readAllLines(data.resolve("runs").resolve(created.getRunId())
                .resolve("run/metrics/steps.jsonl"));
        assertEquals(steps.size(), stepLines.size());
        for (int i = 0; i < steps.size(); i++) {
            double loss = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stepLines.get(i)).get("loss").asDouble();
            assertEquals(loss, steps.get(i).getStep().getLoss());
            assertEquals(i, steps.get(i).getStep().getStep());
        }

        Run done = stub.getRun(GetRunRequest.newBuilder().setRunId(created.getRunId()).build());
        assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState());
        assertEquals(12, done.getProgress().getCompletedSteps());
        assertEquals(12, done.getProgress().getTotalSteps());
        assertTrue(done.getResult().getBestEpoch() >= 1);
        assertTrue(done.getResult().getTest().getTaskMetricsMap().containsKey("acc"));
        assertEquals(2, done.getResult().getTest().getClassifierAccuracyCount());
        assertTrue(done.hasStartTime() && done.hasEndTime());

        // a watch that resumes after sequence k gets exactly the rest
        for (int k : new int[] {1, 5, events.size() - 1, events.size()}) {
            assertEquals(events.subList(k, events.size()), watch(stub, created.getRunId(), k), "after " + k);
        }
        assertStatus(Status.Code.OUT_OF_RANGE, "after_sequence", () -> watch(stub, created.getRunId(), events.size() + 1));
        assertStatus(Status.Code.INVALID_ARGUMENT, "after_sequence", () -> watch(stub, created.getRunId(), -1));
    }

    @Test
    void theExportedModelIsTheRunsAndReproducesThePredictionsOfTheServer() throws Exception {
        Run run = create(stub, tiny(1));
        watch(stub, run.getRunId(), 0);
        awaitState(stub, run.getRunId(), JobState.JOB_STATE_SUCCEEDED);

        ExportedModel described = null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int chunks = 0;
        Iterator<ExportRunResponse> it = stub.exportRun(ExportRunRequest.newBuilder().setRunId(run.getRunId())
                .setChunkSize(4096).build());
        while (it.hasNext()) {
            ExportRunResponse part = it.next();
            if (part.hasModel()) {
                assertEquals(0, chunks, "the description comes first");
                described = part.getModel();
            } else {
                ByteString c = part.getChunk();
                assertTrue(c.size() <= 4096);
                c.writeTo(bytes);
                chunks++;
            }
        }
        byte[] model = bytes.toByteArray();
        Path onFile = data.resolve("runs").resolve(run.getRunId()).resolve("run/inference_model.onnx");
        assertArrayEquals(Files.readAllBytes(onFile), model);
        assertEquals(model.length, described.getSizeBytes());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model)), described.getSha256());
        assertTrue(chunks > 1);
        assertEquals(DemoDataset.CLASSES, described.getLabelNamesList());
        Map<String, List<Long>> inputs = new LinkedHashMap<>();
        described.getInputsList().forEach(t -> inputs.put(t.getName(), t.getShapeList()));
        assertEquals(Map.of("text", List.of(-1L, 12L, 384L), "image", List.of(-1L, 17L, 192L)), inputs);

        List<Prediction> served = new ArrayList<>();
        stub.predictRun(PredictRunRequest.newBuilder().setRunId(run.getRunId()).build())
                .forEachRemaining((PredictRunResponse r) -> served.addAll(r.getPredictionsList()));
        assertEquals(16, served.size(), "the test split");

        // the exported model, run here in ONNX Runtime on the store's features, gives the same outputs
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int row = 0;
        double maxDiff = 0;
        try (OrtSession session = env.createSession(model);
             FeatureStore store = FeatureStore.open(data.resolve(GrpcFixtures.STORE));
             FeatureStore.Batches batches = store.batches("test")) {
            for (FeatureBatch b : batches) {
                Map<String, OnnxTensor> feed = new LinkedHashMap<>();
                feed.put("text", OnnxTensor.createTensor(env, copy(b.floats("text")), new long[] {b.rowCount(), 12, 384}));
                feed.put("image", OnnxTensor.createTensor(env, copy(b.floats("image")), new long[] {b.rowCount(), 17, 192}));
                try (OrtSession.Result r = session.run(feed)) {
                    float[][] out = (float[][]) r.get(0).getValue();
                    for (int i = 0; i < b.rowCount(); i++, row++) {
                        Prediction p = served.get(row);
                        assertEquals(b.id(i), p.getSampleId(), "row order");
                        assertEquals(b.label(i), p.getLabel());
                        for (int k = 0; k < out[i].length; k++) {
                            maxDiff = Math.max(maxDiff, Math.abs(out[i][k] - p.getOutput(k)));
                        }
                    }
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        }
        assertEquals(16, row);
        assertTrue(maxDiff < 1e-4, "max |exported - server| = " + maxDiff);

        assertStatus(Status.Code.INVALID_ARGUMENT, "chunk_size", () -> stub.exportRun(ExportRunRequest.newBuilder()
                .setRunId(run.getRunId()).setChunkSize(10).build()).hasNext());
        assertStatus(Status.Code.INVALID_ARGUMENT, "split", () -> stub.predictRun(PredictRunRequest.newBuilder()
                .setRunId(run.getRunId()).setSplit("everything").build()).hasNext());
        assertStatus(Status.Code.INVALID_ARGUMENT, "features", () -> stub.predictRun(PredictRunRequest.newBuilder()
                .setRunId(run.getRunId()).setFeatures("../elsewhere").build()).hasNext());
    }

    @Test
    void pauseResumeAndCancelActAtStepBoundariesAndAPausedRunEndsAsAnUninterruptedOne() throws Exception {
        TrainOptions.Builder options = tiny(6).setSeed(5);
        Run straight = create(stub, options);
        List<RunEvent> straightEvents = watch(stub, straight.getRunId(), 0);

        Run run = create(stub, options);
        String id = run.getRunId();
        GrpcFixtures.await("3 steps", () -> progress(id) >= 3);
        Run pausing = stub.pauseRun(PauseRunRequest.newBuilder().setRunId(id).build());
        assertTrue(pausing.getState() == JobState.JOB_STATE_RUNNING
                        && pausing.getStopRequest() == StopRequest.STOP_REQUEST_PAUSE
                        || pausing.getState() == JobState.JOB_STATE_PAUSED, pausing.toString());
        Run paused = awaitState(stub, id, JobState.JOB_STATE_PAUSED);
        assertEquals(StopRequest.STOP_REQUEST_UNSPECIFIED, paused.getStopRequest());
        assertTrue(paused.getProgress().getCompletedSteps() < 36, "paused before the end");
        assertStatus(Status.Code.FAILED_PRECONDITION, "PAUSED",
                () -> stub.pauseRun(PauseRunRequest.newBuilder().setRunId(id).build()));
        assertStatus(Status.Code.FAILED_PRECONDITION, "PAUSED", () -> stub.exportRun(ExportRunRequest.newBuilder()
                .setRunId(id).build()).hasNext());

        assertEquals(JobState.JOB_STATE_QUEUED, stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(id).build())
                .getState());
        List<RunEvent> events = watch(stub, id, 0);
        assertEquals(List.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_PAUSED,
                        JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                events.stream().filter(RunEvent::hasStateChange).map(e -> e.getStateChange().getState()).toList());
        assertEquals(GrpcFixtures.stepsWithoutTimes(straightEvents), GrpcFixtures.stepsWithoutTimes(events),
                "a paused and resumed run trains exactly the steps of an uninterrupted one");
        assertEquals(stub.getRun(GetRunRequest.newBuilder().setRunId(straight.getRunId()).build()).getResult().getTest(),
                stub.getRun(GetRunRequest.newBuilder().setRunId(id).build()).getResult().getTest());

        Run doomed = create(stub, tiny(300));
        GrpcFixtures.await("a step", () -> progress(doomed.getRunId()) >= 1);
        Run cancelling = stub.cancelRun(CancelRunRequest.newBuilder().setRunId(doomed.getRunId()).build());
        assertTrue(cancelling.getStopRequest() == StopRequest.STOP_REQUEST_CANCEL
                || cancelling.getState() == JobState.JOB_STATE_CANCELLED, cancelling.toString());
        Run cancelled = awaitState(stub, doomed.getRunId(), JobState.JOB_STATE_CANCELLED);
        assertTrue(cancelled.hasEndTime());
        for (Executable illegal : List.<Executable>of(
                () -> stub.cancelRun(CancelRunRequest.newBuilder().setRunId(doomed.getRunId()).build()),
                () -> stub.pauseRun(PauseRunRequest.newBuilder().setRunId(doomed.getRunId()).build()),
                () -> stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(doomed.getRunId()).build()),
                () -> stub.predictRun(PredictRunRequest.newBuilder().setRunId(doomed.getRunId()).build()).hasNext())) {
            assertStatus(Status.Code.FAILED_PRECONDITION, "CANCELLED", illegal);
        }
    }

    @Test
    void queuedRunsWaitForTheSlotCanBePausedOrCancelledWhileWaitingAndAreListedInPages() throws Exception {
        Run busy = create(stub, tiny(300));
        awaitState(stub, busy.getRunId(), JobState.JOB_STATE_RUNNING);
        Run q1 = create(stub, tiny(1));
        Run q2 = create(stub, tiny(1));
        Thread.sleep(300);
        assertEquals(JobState.JOB_STATE_QUEUED, get(q1.getRunId()).getState(), "one training at a time");
        assertEquals(JobState.JOB_STATE_PAUSED, stub.pauseRun(PauseRunRequest.newBuilder().setRunId(q1.getRunId())
                .build()).getState(), "a queued run pauses at once");
        assertEquals(JobState.JOB_STATE_CANCELLED, stub.cancelRun(CancelRunRequest.newBuilder().setRunId(q2.getRunId())
                .build()).getState(), "a queued run is cancelled at once");
        stub.cancelRun(CancelRunRequest.newBuilder().setRunId(busy.getRunId()).build());
        awaitState(stub, busy.getRunId(), JobState.JOB_STATE_CANCELLED);
        stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(q1.getRunId()).build());
        watch(stub, q1.getRunId(), 0);
        assertEquals(JobState.JOB_STATE_SUCCEEDED, get(q1.getRunId()).getState());

        // every run, page by page, in creation order, each once
        List<String> all = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListRunsResponse page = stub.listRuns(ListRunsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
            assertTrue(page.getRunsCount() <= 2);
            page.getRunsList().forEach(r -> all.add(r.getRunId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        List<Run> oneCall = stub.listRuns(ListRunsRequest.newBuilder().setPageSize(500).build()).getRunsList();
        assertEquals(oneCall.stream().map(Run::getRunId).toList(), all);
        assertTrue(pages >= all.size() / 2);
        int at = all.indexOf(busy.getRunId());
        assertEquals(List.of(busy.getRunId(), q1.getRunId(), q2.getRunId()), all.subList(at, at + 3));
        List<String> cancelled = stub.listRuns(ListRunsRequest.newBuilder().addStates(JobState.JOB_STATE_CANCELLED)
                .build()).getRunsList().stream().map(Run::getRunId).toList();
        assertTrue(cancelled.contains(busy.getRunId()) && cancelled.contains(q2.getRunId())
                && !cancelled.contains(q1.getRunId()), cancelled.toString());
        assertStatus(Status.Code.INVALID_ARGUMENT, "page_token",
                () -> stub.listRuns(ListRunsRequest.newBuilder().setPageToken("bogus").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "page_size",
                () -> stub.listRuns(ListRunsRequest.newBuilder().setPageSize(-1).build()));
    }

    @Test
    void invalidRequestsNameTheFieldAndUnknownRunsAreNotFound() throws Exception {
        Map<String, TrainOptions.Builder> bad = new LinkedHashMap<>();
        bad.put("options.preset", tiny(1).setPreset(""));
        bad.put("options.preset ", tiny(1).setPreset("huge"));
        bad.put("options.preset  ", tiny(1).setPreset("mosi")); // three modalities; the store has two
        bad.put("options.features", tiny(1).setFeatures(""));
        bad.put("options.features ", tiny(1).setFeatures(data.resolve(GrpcFixtures.STORE).toString())); // absolute
        bad.put("options.features  ", tiny(1).setFeatures("features/../../outside"));
        bad.put("options.features   ", tiny(1).setFeatures("features/none"));
        bad.put("options.epochs", tiny(0));
        bad.put("options.batch_size", tiny(1).setBatchSize(-1));
        bad.put("options.lr", tiny(1).setLr(Double.NaN));
        bad.put("options.lr ", tiny(1).setLr(-1));
        bad.put("options.momentum", tiny(1).setMomentum(1.5));
        bad.put("options.device", tiny(1).setDevice("tpu"));
        bad.put("options.threads", tiny(1).setThreads(-2));
        bad.put("options.weight_decay", tiny(1).setWeightDecay(-1));
        bad.put("options.clip", tiny(1).setClip(Double.NaN));
        bad.put("options.method", tiny(1).setMethod("magic"));
        bad.put("options.method_options.rho", tiny(1).setMethod("cggm").setMethodOptions(Struct.newBuilder()
                .putFields("rho", Value.newBuilder().setNumberValue(-2).build())));
        bad.put("options.method_options.rho ", tiny(1).setMethod("joint").setMethodOptions(Struct.newBuilder()
                .putFields("rho", Value.newBuilder().setNumberValue(1.5).build())));
        bad.put("options.method_options.coefficients", tiny(1).setMethodOptions(Struct.newBuilder()
                .putFields("coefficients", Value.newBuilder().setStringValue("wild").build())));
        bad.put("options.modulation", tiny(1).setMethod("cggm").setModulation(Modulation.MODULATION_NONE));
        bad.put("options.architecture", tiny(1).setMethod("cggm").setArchitecture("late-fusion"));
        for (var e : bad.entrySet()) {
            String field = e.getKey().strip();
            assertStatus(Status.Code.INVALID_ARGUMENT, field + ":", () -> create(stub, e.getValue()));
        }
        assertStatus(Status.Code.INVALID_ARGUMENT, "options:", () -> stub.createRun(CreateRunRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "run_id:", () -> stub.createRun(CreateRunRequest.newBuilder()
                .setRunId("Not_Valid").setOptions(tiny(1)).build()));

        Run named = stub.createRun(CreateRunRequest.newBuilder().setRunId("my-run").setOptions(tiny(1)).build());
        assertEquals("my-run", named.getRunId());
        assertStatus(Status.Code.ALREADY_EXISTS, "my-run", () -> stub.createRun(CreateRunRequest.newBuilder()
                .setRunId("my-run").setOptions(tiny(1)).build()));
        watch(stub, "my-run", 0);

        assertStatus(Status.Code.NOT_FOUND, "nope", () -> get("nope"));
        assertStatus(Status.Code.NOT_FOUND, "nope", () -> watch(stub, "nope", 0));
        assertStatus(Status.Code.INVALID_ARGUMENT, "run_id", () -> get(""));
        assertStatus(Status.Code.INVALID_ARGUMENT, "device:", () -> stub.resumeRun(ResumeRunRequest.newBuilder()
                .setRunId("my-run").setDevice("abacus").build()));

        // a store still being written: the precondition is not met yet
        Path partial = data.resolve("features/partial");
        GrpcFixtures.copyTree(data.resolve(GrpcFixtures.STORE), partial);
        Path manifest = partial.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"complete\"", "\"in_progress\""));
        assertStatus(Status.Code.FAILED_PRECONDITION, "incomplete", () -> create(stub, tiny(1).setFeatures("features/partial")));
    }

    @Test
    void methodsAreListedWithTheirOptionsAndARunCarriesItsResolvedMethodOptions() throws Exception {
        ListMethodsResponse methods = stub.listMethods(ListMethodsRequest.newBuilder().setPreset("food101").build());
        MethodInfo cggm = methods.getMethodsList().stream().filter(m -> m.getId().equals("cggm")).findFirst().orElseThrow();
        MethodOption lambda = cggm.getOptionsList().stream().filter(o -> o.getName().equals("lambda")).findFirst().orElseThrow();
        assertEquals(0.05, lambda.getDefaultValue().getNumberValue(), 1e-12);
        assertEquals("number", lambda.getType());
        assertTrue(methods.getVariantsList().stream().anyMatch(v -> v.getName().equals("cggm-guarded")));
        assertStatus(Status.Code.INVALID_ARGUMENT, "preset", () -> stub.listMethods(ListMethodsRequest.newBuilder()
                .setPreset("huge").build()));

        Run run = create(stub, tiny(1).setMethod("cggm-guarded").setMethodOptions(Struct.newBuilder()
                .putFields("rho", Value.newBuilder().setNumberValue(1.1).build())));
        TrainOptions o = run.getOptions();
        assertEquals("cggm", o.getMethod());
        assertEquals("guarded", o.getMethodOptions().getFieldsOrThrow("coefficients").getStringValue());
        assertEquals(1.1, o.getMethodOptions().getFieldsOrThrow("rho").getNumberValue(), 1e-12);
        assertEquals("cggm-reference", o.getArchitecture());
        assertEquals(Modulation.MODULATION_CGGM, o.getModulation(), "the deprecated fields are still filled");
        assertEquals(CggmCoefficients.CGGM_COEFFICIENTS_GUARDED, o.getCoefficients());
        List<RunEvent> events = watch(stub, run.getRunId(), 0);
        StepMetrics step = events.stream().filter(RunEvent::hasStep).findFirst().orElseThrow().getStep();
        assertTrue(step.getMethodMetricsMap().containsKey("coeff/text") && step.getMethodMetricsMap().containsKey("l_gm"),
                step.toString());
        assertEquals(step.getMethodMetricsMap().get("coeff/text"), step.getModalitiesOrThrow("text").getCoefficient(), 0.0);
    }

    @Test
    void anyRegisteredMethodTrainsOverTheApiWithItsTypedOptionsAndStreamsItsMetrics() throws Exception {
        // one method per architecture family, with options that make them act in a 1-epoch run
        Map<String, Struct> methods = new LinkedHashMap<>();
        methods.put("ogm-ge", Struct.newBuilder().putFields("start_epoch", Value.newBuilder().setNumberValue(0).build())
                .build());
        methods.put("mmpareto", Struct.getDefaultInstance());
        methods.put("igm", Struct.newBuilder().putFields("mixup_alpha", Value.newBuilder().setNumberValue(0).build()).build());
        for (var e : methods.entrySet()) {
            Run run = create(stub, tiny(2).setMethod(e.getKey()).setMethodOptions(e.getValue()));
            assertEquals(e.getKey(), run.getOptions().getMethod());
            assertTrue(run.getOptions().getMethodOptions().getFieldsCount() > 0, run.getOptions().toString());
            List<RunEvent> events = watch(stub, run.getRunId(), 0);
            Run done = get(run.getRunId());
            assertEquals(dev.cggm.api.v1.JobState.JOB_STATE_SUCCEEDED, done.getState(), e.getKey() + ": "
                    + done.getStateReason());
            assertTrue(done.getResult().getTest().getClassifierAccuracyCount() == 2, done.getResult().toString());
            assertTrue(events.stream().filter(RunEvent::hasStep).anyMatch(ev -> ev.getStep().getMethodMetricsCount() > 0),
                    e.getKey() + " streams its metrics");
        }
    }

    @Test
    void aTrainingThatFailsEndsFailedWithAOneLineReasonAndTheServerGoesOn() throws Exception {
        Run run = create(stub, tiny(2).setLr(1e30).setClip(0));
        List<RunEvent> events = watch(stub, run.getRunId(), 0);
        RunEvent last = events.get(events.size() - 1);
        assertEquals(JobState.JOB_STATE_FAILED, last.getStateChange().getState());
        String reason = get(run.getRunId()).getStateReason();
        assertEquals(last.getStateChange().getReason(), reason);
        assertTrue(reason.contains("non-finite") || reason.contains("NaN") || reason.contains("Infinity"), reason);
        assertFalse(reason.contains("\tat ") || reason.contains("\n"), "one line, no stack trace: " + reason);
        assertFalse(reason.contains(data.toRealPath().toString()), "no server paths: " + reason);

        var health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
        Run after = create(stub, tiny(1));
        watch(stub, after.getRunId(), 0);
        assertEquals(JobState.JOB_STATE_SUCCEEDED, get(after.getRunId()).getState());
    }

    @Test
    void deadlinesAreHonoured() throws Exception {
        Run run = create(stub, tiny(300));
        awaitState(stub, run.getRunId(), JobState.JOB_STATE_RUNNING);
        stub.pauseRun(PauseRunRequest.newBuilder().setRunId(run.getRunId()).build());
        awaitState(stub, run.getRunId(), JobState.JOB_STATE_PAUSED);

        // a watch of a paused run stays open: its deadline ends it, and the server lets go of it
        long t0 = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(300,
                TimeUnit.MILLISECONDS).watchRun(WatchRunRequest.newBuilder().setRunId(run.getRunId()).build())
                .forEachRemaining(x -> { }));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        GrpcFixtures.await("the server to drop the expired watch", () -> server.watchers(run.getRunId()) == 0);

        // a call whose deadline has passed creates nothing
        int before = stub.listRuns(ListRunsRequest.newBuilder().setPageSize(500).build()).getRunsCount();
        assertStatus(Status.Code.DEADLINE_EXCEEDED, "", () -> stub.withDeadlineAfter(1, TimeUnit.NANOSECONDS)
                .createRun(CreateRunRequest.newBuilder().setOptions(tiny(1)).build()));
        assertEquals(before, stub.listRuns(ListRunsRequest.newBuilder().setPageSize(500).build()).getRunsCount());
        stub.cancelRun(CancelRunRequest.newBuilder().setRunId(run.getRunId()).build());
    }

    private static Run get(String id) {
        return stub.getRun(GetRunRequest.newBuilder().setRunId(id).build());
    }

    private static long progress(String id) {
        return get(id).getProgress().getCompletedSteps();
    }

    private static FloatBuffer copy(FloatBuffer b) {
        float[] f = new float[b.remaining()];
        b.duplicate().get(f);
        return FloatBuffer.wrap(f);
    }

    static void assertStatus(Status.Code code, String inMessage, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        String d = e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription();
        assertTrue(d.contains(inMessage), "'" + d + "' should mention '" + inMessage + "'");
    }
}
