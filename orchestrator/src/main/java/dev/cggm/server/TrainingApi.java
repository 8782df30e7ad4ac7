package dev.cggm.server;

import dev.cggm.api.v1.CancelRunRequest;
import dev.cggm.api.v1.CreateRunRequest;
import dev.cggm.api.v1.ExportFormat;
import dev.cggm.api.v1.ExportRunRequest;
import dev.cggm.api.v1.ExportRunResponse;
import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.ListMethodsRequest;
import dev.cggm.api.v1.ListMethodsResponse;
import dev.cggm.api.v1.ListRunsRequest;
import dev.cggm.api.v1.ListRunsResponse;
import dev.cggm.api.v1.PauseRunRequest;
import dev.cggm.api.v1.PredictRunRequest;
import dev.cggm.api.v1.PredictRunResponse;
import dev.cggm.api.v1.Prediction;
import dev.cggm.api.v1.ResumeRunRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchRunRequest;
import dev.cggm.export.BundleException;
import dev.cggm.export.PipelineBundle;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/** TrainingService: validates requests, then hands them to the runs (see {@link RunJob}). */
final class TrainingApi extends TrainingServiceGrpc.TrainingServiceImplBase {
    private static final int PREDICTIONS_PER_MESSAGE = 256;
    private static final List<String> SPLITS = List.of("train", "validation", "test");

    private final DataDirectory data;
    private final JobRegistry<RunJob> runs;
    private final JobExecutor executor;
    private final int maxQueued;
    private final Executor streams;
    private final Executor compute;
    private final Calls calls;

    TrainingApi(DataDirectory data, JobRegistry<RunJob> runs, JobExecutor executor, int maxQueued, Executor streams,
                Executor compute) {
        this.data = data;
        this.runs = runs;
        this.executor = executor;
        this.maxQueued = maxQueued;
        this.streams = streams;
        this.compute = compute;
        this.calls = new Calls(data);
    }

    @Override
    public void createRun(CreateRunRequest req, StreamObserver<Run> out) {
        calls.unary(out, () -> {
            String id = req.getRunId().isEmpty() ? Ids.generate("run") : Ids.check("run_id", req.getRunId());
            if (!req.hasOptions()) {
                throw ApiErrors.invalid("options", "required: at least options.features and options.preset");
            }
            var resolved = TrainOptionsMapper.resolve(req.getOptions(), data);
            synchronized (this) {
                if (executor.queued() >= maxQueued) {
                    throw ApiErrors.exhausted(executor.queued() + " runs are queued, the most this server takes "
                            + "(--max-queued); try again when some have started");
                }
                Calls.checkAlive();
                RunJob job = RunJob.create(id, resolved.options(), data, executor);
                runs.add(job);
                Run created = job.toProto();
                executor.submit(job);
                return created;
            }
        });
    }

    @Override
    public void listMethods(ListMethodsRequest req, StreamObserver<ListMethodsResponse> out) {
        calls.unary(out, () -> MethodCatalog.list(req.getPreset()));
    }

    @Override
    public void getRun(GetRunRequest req, StreamObserver<Run> out) {
        calls.unary(out, () -> runs.get("run_id", req.getRunId()).toProto());
    }

    @Override
    public void listRuns(ListRunsRequest req, StreamObserver<ListRunsResponse> out) {
        calls.unary(out, () -> {
            var page = runs.list(req.getPageSize(), req.getPageToken(), states(req.getStatesList()));
            ListRunsResponse.Builder b = ListRunsResponse.newBuilder().setNextPageToken(page.nextPageToken());
            page.items().forEach(j -> b.addRuns(j.toProto()));
            return b.build();
        });
    }

    @Override
    public void cancelRun(CancelRunRequest req, StreamObserver<Run> out) {
        calls.unary(out, () -> runs.get("run_id", req.getRunId()).cancel());
    }

    @Override
    public void pauseRun(PauseRunRequest req, StreamObserver<Run> out) {
        calls.unary(out, () -> runs.get("run_id", req.getRunId()).pause());
    }

    @Override
    public void resumeRun(ResumeRunRequest req, StreamObserver<Run> out) {
        calls.unary(out, () -> {
            RunJob job = runs.get("run_id", req.getRunId());
            String device = req.getDevice().isBlank() ? null : TrainOptionsMapper.device("device", req.getDevice());
            Integer threads = req.hasThreads() ? TrainOptionsMapper.range("threads", req.getThreads(), 0, 4096) : null;
            return job.resume(device, threads);
        });
    }

    @Override
    public void watchRun(WatchRunRequest req, StreamObserver<RunEvent> out) {
        calls.streaming(out, () -> {
            RunJob job = runs.get("run_id", req.getRunId());
            StreamPump.start(out, job.watch(req.getAfterSequence()), streams);
            return null;
        });
    }

    @Override
    public void exportRun(ExportRunRequest req, StreamObserver<ExportRunResponse> out) {
        calls.streaming(out, () -> {
            RunJob job = succeeded(req.getRunId(), "exported");
            int chunk = req.getChunkSize() == 0 ? ModelExport.DEFAULT_CHUNK
                    : TrainOptionsMapper.range("chunk_size", req.getChunkSize(), ModelExport.MIN_CHUNK, ModelExport.MAX_CHUNK);
            Run run = job.toProto();
            Path features = data.resolve("options.features", run.getOptions().getFeatures());
            if (req.getFormat() == ExportFormat.EXPORT_FORMAT_BUNDLE) {
                BundleExport source = new BundleExport(run.getRunId(), job.runDirectory(), features,
                        run.getResult().getBestEpoch(), chunk);
                StreamPump.start(out, source, streams);
                compute.execute(source::build);
                return null;
            }
            StreamPump.start(out, ModelExport.open(run.getRunId(), job.runDirectory(), run.getResult().getBestEpoch(),
                    features, chunk), streams);
            return null;
        });
    }

    @Override
    public void predictRun(PredictRunRequest req, StreamObserver<PredictRunResponse> out) {
        calls.streaming(out, () -> {
            RunJob job = succeeded(req.getRunId(), "used for predictions");
            Path features;
            if (req.getFeatures().isEmpty()) {
                features = data.resolve("options.features", job.options().getFeatures());
            } else {
                features = data.resolve("features", req.getFeatures());
                TrainOptionsMapper.completeStore("features", features, req.getFeatures());
            }
            String split = req.getSplit().isEmpty() ? "test" : req.getSplit();
            if (!SPLITS.contains(split)) {
                throw ApiErrors.invalid("split", "'" + split + "' is not one of " + SPLITS);
            }
            Predictions source = new Predictions();
            StreamPump.start(out, source, streams);
            compute.execute(() -> source.compute(job.runDirectory(), features, split));
            return null;
        });
    }

    private RunJob succeeded(String runId, String what) {
        RunJob job = runs.get("run_id", runId);
        JobState s = job.state();
        if (s != JobState.JOB_STATE_SUCCEEDED) {
            throw ApiErrors.failedPrecondition("run " + runId + " is " + Protos.stateName(s) + "; only SUCCEEDED runs "
                    + "have a model that can be " + what);
        }
        return job;
    }

    static Set<JobState> states(List<JobState> requested) {
        Set<JobState> s = EnumSet.noneOf(JobState.class);
        for (JobState st : requested) {
            if (st == JobState.UNRECOGNIZED || st == JobState.JOB_STATE_UNSPECIFIED) {
                throw ApiErrors.invalid("states", "not a job state: " + st);
            }
            s.add(st);
        }
        return s;
    }

    /** Predictions computed off the call's thread, then streamed in batches as the client takes them. */
    /**
     * A stream whose content is computed on the compute executor first: {@link #compute} runs the
     * work, turns its failure into the call's status and wakes the pump.
     */
    private abstract class Deferred<T> implements StreamPump.Source<T> {
        private volatile StatusRuntimeException error;
        private volatile Runnable wake = () -> { };

        interface Work {
            void run() throws Exception;
        }

        final void compute(Work work) {
            try {
                work.run();
            } catch (IllegalArgumentException e) {
                error = Status.INVALID_ARGUMENT.withDescription(data.redact(e.getMessage())).asRuntimeException();
            } catch (BundleException e) {
                error = Status.FAILED_PRECONDITION.withDescription(data.redact(e.getMessage())).asRuntimeException();
            } catch (Exception | Error e) {
                error = calls.failure(e);
            }
            wake.run();
        }

        final boolean failed() {
            return error != null;
        }

        final void throwIfFailed() {
            if (error != null) {
                throw error;
            }
        }

        @Override
        public final void attach(Runnable wake) {
            this.wake = wake;
        }
    }

    /**
     * A bundle export: the bundle is written into the run directory ({@code bundle/}) on the
     * compute executor the first time it is asked for (later requests reuse it), then streamed.
     */
    private final class BundleExport extends Deferred<ExportRunResponse> {
        private final String runId;
        private final Path runDir;
        private final Path features;
        private final int bestEpoch;
        private final int chunk;
        private volatile ModelExport files;

        BundleExport(String runId, Path runDir, Path features, int bestEpoch, int chunk) {
            this.runId = runId;
            this.runDir = runDir;
            this.features = features;
            this.bestEpoch = bestEpoch;
            this.chunk = chunk;
        }

        void build() {
            compute(() -> {
                Path dir = runDir.resolve("bundle");
                synchronized (BundleExport.class) {     // one build at a time; a finished bundle is reused
                    if (!Files.isRegularFile(dir.resolve(PipelineBundle.CARD))) {
                        PipelineBundle.export(runDir, features, dir);
                    }
                }
                files = ModelExport.bundle(runId, dir, bestEpoch, chunk);
            });
        }

        @Override
        public ExportRunResponse next() throws Exception {
            throwIfFailed();
            ModelExport f = files;
            return f == null ? null : f.next();
        }

        @Override
        public boolean done() {
            ModelExport f = files;
            return !failed() && f != null && f.done();
        }

        @Override
        public void close() {
            ModelExport f = files;
            if (f != null) {
                f.close();
            }
        }
    }

    private final class Predictions extends Deferred<PredictRunResponse> {
        private volatile List<Prediction> results;
        private volatile boolean closed;
        private int next;

        void compute(Path runDir, Path features, String split) {
            compute(() -> results = Predictor.predict(runDir, features, split, () -> closed));
        }

        @Override
        public PredictRunResponse next() {
            throwIfFailed();
            List<Prediction> r = results;
            if (r == null) {
                return null;
            }
            int to = Math.min(r.size(), next + PREDICTIONS_PER_MESSAGE);
            if (next >= to) {
                return null;
            }
            PredictRunResponse batch = PredictRunResponse.newBuilder().addAllPredictions(r.subList(next, to)).build();
            next = to;
            return batch;
        }

        @Override
        public boolean done() {
            List<Prediction> r = results;
            return !failed() && r != null && next >= r.size();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
