package dev.cggm.server;

import dev.cggm.api.v1.CancelExtractionRequest;
import dev.cggm.api.v1.CreateExtractionRequest;
import dev.cggm.api.v1.CreateImportRequest;
import dev.cggm.api.v1.Extraction;
import dev.cggm.api.v1.ExtractionEvent;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.GetExtractionRequest;
import dev.cggm.api.v1.ImportOptions;
import dev.cggm.api.v1.ListExtractionsRequest;
import dev.cggm.api.v1.ListExtractionsResponse;
import dev.cggm.api.v1.ListFeatureSetsRequest;
import dev.cggm.api.v1.ListFeatureSetsResponse;
import dev.cggm.api.v1.WatchExtractionRequest;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.artifacts.JsonErrors;
import io.grpc.stub.StreamObserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/** FeatureService: validates requests, then hands them to the extractions and imports (see {@link ExtractionJob}). */
final class FeatureApi extends FeatureServiceGrpc.FeatureServiceImplBase {
    private final DataDirectory data;
    private final JobRegistry<ExtractionJob> extractions;
    private final JobExecutor executor;
    private final int maxQueued;
    private final Executor streams;
    private final Calls calls;

    FeatureApi(DataDirectory data, JobRegistry<ExtractionJob> extractions, JobExecutor executor, int maxQueued,
               Executor streams) {
        this.data = data;
        this.extractions = extractions;
        this.executor = executor;
        this.maxQueued = maxQueued;
        this.streams = streams;
        this.calls = new Calls(data);
    }

    @Override
    public void createExtraction(CreateExtractionRequest req, StreamObserver<Extraction> out) {
        calls.unary(out, () -> {
            if (!req.hasOptions()) {
                throw ApiErrors.invalid("options", "required: at least options.dataset and options.format");
            }
            ExtractionOptions options = ExtractionOptionsMapper.resolve(req.getOptions(), data);
            return create(req.getFeatureSetId(), (id, featureSet) ->
                    ExtractionJob.create(id, featureSet, options, data, executor));
        });
    }

    @Override
    public void createImport(CreateImportRequest req, StreamObserver<Extraction> out) {
        calls.unary(out, () -> {
            if (!req.hasOptions()) {
                throw ApiErrors.invalid("options", "required: at least options.dataset and options.format");
            }
            ImportOptions options = ImportOptionsMapper.resolve(req.getOptions(), data);
            return create(req.getFeatureSetId(), (id, featureSet) ->
                    ExtractionJob.createImport(id, featureSet, options, data, executor));
        });
    }

    /** Makes a job. */
    private interface JobFactory {
        ExtractionJob make(String id, String featureSet) throws java.io.IOException;
    }

    /** Checks the feature set is free and the queue has room, then creates and queues the job. */
    private Extraction create(String requestedFeatureSet, JobFactory factory) throws java.io.IOException {
        String id = Ids.generate("ext");
        String featureSet = requestedFeatureSet.isEmpty() ? id : Ids.check("feature_set_id", requestedFeatureSet);
        synchronized (this) {
            for (ExtractionJob other : extractions.all()) {
                if (other.featureSetId().equals(featureSet) && other.writing()) {
                    throw ApiErrors.alreadyExists("feature set '" + featureSet + "' is being written by extraction "
                            + other.id());
                }
            }
            Path store = data.features().resolve(featureSet);
            if (Files.isRegularFile(store.resolve(StoreManifest.FILE))) {
                if (StoreManifest.COMPLETE.equals(existing(featureSet, store).status())) {
                    throw ApiErrors.alreadyExists("feature set '" + featureSet + "' already exists and is complete");
                }
            } else if (Files.isDirectory(store) && !empty(store)) {
                throw ApiErrors.alreadyExists("features/" + featureSet + " exists and is not a feature store");
            }
            if (executor.queued() >= maxQueued) {
                throw ApiErrors.exhausted(executor.queued() + " extractions are queued, the most this server takes "
                        + "(--max-queued)");
            }
            Calls.checkAlive();
            ExtractionJob job = factory.make(id, featureSet);
            extractions.add(job);
            Extraction created = job.toProto();
            executor.submit(job);
            return created;
        }
    }

    @Override
    public void getExtraction(GetExtractionRequest req, StreamObserver<Extraction> out) {
        calls.unary(out, () -> extractions.get("extraction_id", req.getExtractionId()).toProto());
    }

    @Override
    public void listExtractions(ListExtractionsRequest req, StreamObserver<ListExtractionsResponse> out) {
        calls.unary(out, () -> {
            var page = extractions.list(req.getPageSize(), req.getPageToken(), TrainingApi.states(req.getStatesList()));
            ListExtractionsResponse.Builder b = ListExtractionsResponse.newBuilder().setNextPageToken(page.nextPageToken());
            page.items().forEach(j -> b.addExtractions(j.toProto()));
            return b.build();
        });
    }

    @Override
    public void cancelExtraction(CancelExtractionRequest req, StreamObserver<Extraction> out) {
        calls.unary(out, () -> extractions.get("extraction_id", req.getExtractionId()).cancel());
    }

    @Override
    public void watchExtraction(WatchExtractionRequest req, StreamObserver<ExtractionEvent> out) {
        calls.streaming(out, () -> {
            ExtractionJob job = extractions.get("extraction_id", req.getExtractionId());
            StreamPump.start(out, job.watch(req.getAfterSequence()), streams);
            return null;
        });
    }

    @Override
    public void listFeatureSets(ListFeatureSetsRequest req, StreamObserver<ListFeatureSetsResponse> out) {
        calls.unary(out, () -> FeatureSets.list(data, req.getPageSize(), req.getPageToken()));
    }

    /** The manifest of the feature set being extracted into; FAILED_PRECONDITION naming it when it is damaged. */
    private StoreManifest existing(String featureSet, Path store) {
        try {
            return StoreManifest.read(store);
        } catch (FeatureException e) {
            throw ApiErrors.failedPrecondition("feature set '" + featureSet + "' exists but cannot be extracted into: "
                    + data.redact(JsonErrors.firstLine(e.getMessage())));
        }
    }

    private static boolean empty(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
