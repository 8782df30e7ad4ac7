package dev.cggm.server;

import com.google.protobuf.Timestamp;
import dev.cggm.api.v1.Extraction;
import dev.cggm.api.v1.ExtractionEvent;
import dev.cggm.api.v1.ExtractionOptions;
import dev.cggm.api.v1.ExtractionResult;
import dev.cggm.api.v1.ImportOptions;
import dev.cggm.api.v1.LogMessage;
import dev.cggm.api.v1.SplitProgress;
import dev.cggm.api.v1.SplitSummary;
import dev.cggm.api.v1.StateChange;
import dev.cggm.api.v1.StopRequest;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.cggm.api.v1.JobState.JOB_STATE_CANCELLED;
import static dev.cggm.api.v1.JobState.JOB_STATE_FAILED;
import static dev.cggm.api.v1.JobState.JOB_STATE_QUEUED;
import static dev.cggm.api.v1.JobState.JOB_STATE_RUNNING;
import static dev.cggm.api.v1.JobState.JOB_STATE_SUCCEEDED;

/**
 * One feature extraction (or import: {@link #importOptions()} set instead of {@link #options()})
 * into {@code DATA/features/<feature_set_id>}: its lifecycle (see {@link Job}), options and
 * per-split progress. Extractions resume from their finished shards,
 * so one interrupted by a restart or a shutdown is simply queued again; the work itself is
 * {@link ExtractionTask}.
 */
final class ExtractionJob extends Job<ExtractionEvent> {
    static final EventLog.Kind<ExtractionEvent> EVENTS = new EventLog.Kind<>() {
        @Override
        public ExtractionEvent defaultInstance() {
            return ExtractionEvent.getDefaultInstance();
        }

        @Override
        public ExtractionEvent stamp(ExtractionEvent e, long sequence, Timestamp time) {
            return e.toBuilder().setSequence(sequence).setTime(time).build();
        }

        @Override
        public long sequence(ExtractionEvent e) {
            return e.getSequence();
        }

        @Override
        public boolean terminal(ExtractionEvent e) {
            return e.hasStateChange() && isTerminal(e.getStateChange().getState());
        }
    };

    private final DataDirectory data;
    private String featureSetId;
    private ExtractionOptions options;
    private ImportOptions importOptions;
    private final Map<String, SplitProgress> progress = new LinkedHashMap<>();
    private ExtractionResult result;
    private volatile boolean stopRequested;
    private boolean shuttingDown;

    private ExtractionJob(String id, Path dir, DataDirectory data, JobExecutor executor) {
        super(id, dir, EVENTS, executor);
        this.data = data;
    }

    static ExtractionJob create(String id, String featureSetId, ExtractionOptions options, DataDirectory data,
                                JobExecutor executor) throws IOException {
        return create(id, featureSetId, options, null, data, executor);
    }

    /** An import job (its options as the API resolved them). */
    static ExtractionJob createImport(String id, String featureSetId, ImportOptions options, DataDirectory data,
                                      JobExecutor executor) throws IOException {
        return create(id, featureSetId, null, options, data, executor);
    }

    private static ExtractionJob create(String id, String featureSetId, ExtractionOptions options,
                                        ImportOptions importOptions, DataDirectory data, JobExecutor executor)
            throws IOException {
        Path dir = data.extractions().resolve(id);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw ApiErrors.alreadyExists("extraction '" + id + "' already exists");
        }
        ExtractionJob job = new ExtractionJob(id, dir, data, executor);
        synchronized (job) {
            job.featureSetId = featureSetId;
            job.options = options;
            job.importOptions = importOptions;
            job.moveTo(JOB_STATE_QUEUED, "created");
        }
        return job;
    }

    static ExtractionJob load(Path dir, DataDirectory data, JobExecutor executor) throws IOException {
        Extraction x = ProtoJson.read(dir.resolve(RECORD), Extraction.newBuilder()).build();
        ExtractionJob job = new ExtractionJob(x.getExtractionId(), dir, data, executor);
        synchronized (job) {
            job.featureSetId = x.getFeatureSetId();
            job.state = x.getState();
            job.reason = x.getStateReason();
            job.stopRequest = x.getStopRequest();
            job.createTime = x.getCreateTime();
            job.updateTime = x.getUpdateTime();
            job.startTime = x.hasStartTime() ? x.getStartTime() : null;
            job.endTime = x.hasEndTime() ? x.getEndTime() : null;
            job.options = x.hasImportOptions() ? null : x.getOptions();
            job.importOptions = x.hasImportOptions() ? x.getImportOptions() : null;
            x.getProgressList().forEach(p -> job.progress.put(p.getSplit(), p));
            job.result = x.hasResult() ? x.getResult() : null;
        }
        return job;
    }

    @Override
    synchronized Extraction toProto() {
        Extraction.Builder b = Extraction.newBuilder()
                .setExtractionId(id())
                .setFeatureSetId(featureSetId)
                .setState(state)
                .setStateReason(reason)
                .setStopRequest(stopRequest)
                .addAllProgress(progress.values())
                .setCreateTime(createTime)
                .setUpdateTime(updateTime);
        if (importOptions != null) {
            b.setImportOptions(importOptions);
        } else {
            b.setOptions(options);
        }
        if (result != null) {
            b.setResult(result);
        }
        if (startTime != null) {
            b.setStartTime(startTime);
        }
        if (endTime != null) {
            b.setEndTime(endTime);
        }
        return b.build();
    }

    @Override
    protected ExtractionEvent event(StateChange change) {
        return ExtractionEvent.newBuilder().setStateChange(change).build();
    }

    @Override
    protected ExtractionEvent event(LogMessage message) {
        return ExtractionEvent.newBuilder().setMessage(message).build();
    }

    @Override
    protected StateChange stateChangeOf(ExtractionEvent e) {
        return e.hasStateChange() ? e.getStateChange() : null;
    }

    @Override
    protected String noun() {
        return "extraction";
    }

    synchronized String featureSetId() {
        return featureSetId;
    }

    /** The extraction's options; null for an import. */
    synchronized ExtractionOptions options() {
        return options;
    }

    /** The import's options; null for an extraction. */
    synchronized ImportOptions importOptions() {
        return importOptions;
    }

    /** Where the feature store is written. */
    Path store() {
        return data.features().resolve(featureSetId());
    }

    // ------------------------------------------------------------------ client operations

    synchronized Extraction cancel() {
        switch (state) {
            case JOB_STATE_QUEUED -> {
                executor.remove(this);
                moveTo(JOB_STATE_CANCELLED, "cancelled by a client before it started");
            }
            case JOB_STATE_RUNNING -> {
                stopRequested = true;
                requestStop(StopRequest.STOP_REQUEST_CANCEL);
            }
            default -> throw illegal("cancelled", "QUEUED or RUNNING");
        }
        return toProto();
    }

    // ------------------------------------------------------------------ execution (job thread)

    @Override
    public void execute() {
        new ExtractionTask(this, data).run();
    }

    synchronized boolean begin() {
        if (state != JOB_STATE_QUEUED || shuttingDown) {
            return false; // stays QUEUED on disk: scheduled again at the next start
        }
        stopRequested = false;
        moveTo(JOB_STATE_RUNNING, startTime == null ? "started" : "resumed");
        return true;
    }

    /** Whether the extraction should stop now (cancel or shutdown); read by the extraction thread. */
    boolean stopRequested() {
        return stopRequested;
    }

    /** Records a split's progress; {@code publish} also appends it as an event. */
    synchronized void progress(String split, long done, long total, boolean publish) {
        SplitProgress p = SplitProgress.newBuilder().setSplit(split).setDone(done).setTotal(total).build();
        progress.put(split, p);
        if (publish) {
            append(ExtractionEvent.newBuilder().setProgress(p).build());
        }
    }

    synchronized void succeeded(dev.cggm.features.pipeline.ExtractionResult r) {
        ExtractionResult.Builder b = ExtractionResult.newBuilder().setDevice(r.device()).setSeconds(r.seconds());
        r.splits().forEach((split, s) -> b.addSplits(SplitSummary.newBuilder().setSplit(split).setSamples(s.samples())
                .setRows(s.rows()).setErrors(s.errors()).setProcessed(s.processed())));
        result = b.build();
        moveTo(JOB_STATE_SUCCEEDED, "feature set '" + featureSetId + "' is complete");
    }

    /** Stopped on request: cancelled by a client, or queued again for a shutdown. */
    synchronized void stopped() {
        if (shuttingDown && stopRequest != StopRequest.STOP_REQUEST_CANCEL) {
            moveTo(JOB_STATE_QUEUED, "the server shut down; the extraction resumes from its finished shards when the "
                    + "server starts again");
        } else {
            moveTo(JOB_STATE_CANCELLED, "cancelled by a client; finished shards are kept (" + (importOptions != null
                    ? "import" : "extract") + " into the same feature set again to resume)");
        }
    }

    synchronized void failed(String message) {
        if (state == JOB_STATE_RUNNING) {
            moveTo(JOB_STATE_FAILED, message);
        }
    }

    // ------------------------------------------------------------------ server lifecycle

    /** At server start: an extraction that was RUNNING is queued again (it resumes from its finished shards). */
    synchronized void recover() throws IOException {
        if (terminal()) {
            return;
        }
        reconcile();
        if (state == JOB_STATE_RUNNING) {
            moveTo(JOB_STATE_QUEUED, "the server restarted while the extraction was RUNNING; it resumes from its "
                    + "finished shards");
        }
        if (state == JOB_STATE_QUEUED) {
            executor.submit(this);
        }
    }

    /** For a shutdown: a RUNNING extraction stops after the sample in flight, a QUEUED one does not start any more. */
    synchronized boolean stopForShutdown() {
        shuttingDown = true;
        if (state != JOB_STATE_RUNNING) {
            return false;
        }
        stopRequested = true;
        return true;
    }

    /** Whether this extraction may still write its feature set (not terminal). */
    synchronized boolean writing() {
        return !terminal();
    }
}
