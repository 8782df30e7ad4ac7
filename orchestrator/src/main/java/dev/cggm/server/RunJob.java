package dev.cggm.server;

import com.google.protobuf.Timestamp;
import dev.cggm.api.v1.LogMessage;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.RunProgress;
import dev.cggm.api.v1.RunResult;
import dev.cggm.api.v1.StateChange;
import dev.cggm.api.v1.StepMetrics;
import dev.cggm.api.v1.StopRequest;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.train.EpochRecord;
import dev.cggm.train.StepRecord;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainResult;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cggm.api.v1.JobState.JOB_STATE_CANCELLED;
import static dev.cggm.api.v1.JobState.JOB_STATE_FAILED;
import static dev.cggm.api.v1.JobState.JOB_STATE_PAUSED;
import static dev.cggm.api.v1.JobState.JOB_STATE_QUEUED;
import static dev.cggm.api.v1.JobState.JOB_STATE_RUNNING;
import static dev.cggm.api.v1.JobState.JOB_STATE_SUCCEEDED;

/**
 * One training run: its lifecycle (see {@link Job}), options, progress and result, and the
 * control that pauses or cancels the trainer. {@code DATA/runs/<id>/run} is the trainer's run
 * directory; the training itself is {@link TrainingTask}.
 */
final class RunJob extends Job<RunEvent> {
    static final EventLog.Kind<RunEvent> EVENTS = new EventLog.Kind<>() {
        @Override
        public RunEvent defaultInstance() {
            return RunEvent.getDefaultInstance();
        }

        @Override
        public RunEvent stamp(RunEvent e, long sequence, Timestamp time) {
            return e.toBuilder().setSequence(sequence).setTime(time).build();
        }

        @Override
        public long sequence(RunEvent e) {
            return e.getSequence();
        }

        @Override
        public boolean terminal(RunEvent e) {
            return e.hasStateChange() && isTerminal(e.getStateChange().getState());
        }
    };

    private static final String RESTARTED = "the server restarted while the run was RUNNING; ResumeRun continues it "
            + "from its last checkpoint";

    private final DataDirectory data;
    private TrainOptions options;
    private final RunProgress.Builder progress = RunProgress.newBuilder();
    private RunResult result;
    private TrainControl control;
    private boolean shuttingDown;

    private RunJob(String id, Path dir, DataDirectory data, JobExecutor executor) {
        super(id, dir, EVENTS, executor);
        this.data = data;
    }

    /** A new run in {@code DATA/runs/<id>}, QUEUED (the caller submits it). */
    static RunJob create(String id, TrainOptions options, DataDirectory data, JobExecutor executor) throws IOException {
        Path dir = data.runs().resolve(id);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw ApiErrors.alreadyExists("run '" + id + "' already exists");
        }
        RunJob job = new RunJob(id, dir, data, executor);
        synchronized (job) {
            job.options = options;
            job.progress.setEpochs(options.getEpochs());
            job.moveTo(JOB_STATE_QUEUED, "created");
        }
        return job;
    }

    /** A run as persisted in {@code dir/job.json}. */
    static RunJob load(Path dir, DataDirectory data, JobExecutor executor) throws IOException {
        Run r = ProtoJson.read(dir.resolve(RECORD), Run.newBuilder()).build();
        RunJob job = new RunJob(r.getRunId(), dir, data, executor);
        synchronized (job) {
            job.state = r.getState();
            job.reason = r.getStateReason();
            job.stopRequest = r.getStopRequest();
            job.createTime = r.getCreateTime();
            job.updateTime = r.getUpdateTime();
            job.startTime = r.hasStartTime() ? r.getStartTime() : null;
            job.endTime = r.hasEndTime() ? r.getEndTime() : null;
            job.options = r.getOptions();
            job.progress.mergeFrom(r.getProgress());
            job.result = r.hasResult() ? r.getResult() : null;
        }
        return job;
    }

    @Override
    synchronized Run toProto() {
        Run.Builder b = Run.newBuilder()
                .setRunId(id())
                .setState(state)
                .setStateReason(reason)
                .setStopRequest(stopRequest)
                .setOptions(options)
                .setProgress(progress)
                .setCreateTime(createTime)
                .setUpdateTime(updateTime);
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
    protected RunEvent event(StateChange change) {
        return RunEvent.newBuilder().setStateChange(change).build();
    }

    @Override
    protected RunEvent event(LogMessage message) {
        return RunEvent.newBuilder().setMessage(message).build();
    }

    @Override
    protected StateChange stateChangeOf(RunEvent e) {
        return e.hasStateChange() ? e.getStateChange() : null;
    }

    @Override
    protected String noun() {
        return "run";
    }

    /** The trainer's run directory. */
    Path runDirectory() {
        return dir().resolve("run");
    }

    synchronized TrainOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ client operations

    synchronized Run pause() {
        switch (state) {
            case JOB_STATE_QUEUED -> {
                executor.remove(this);
                moveTo(JOB_STATE_PAUSED, "paused by a client before it started");
            }
            case JOB_STATE_RUNNING -> {
                if (stopRequest == StopRequest.STOP_REQUEST_CANCEL || control == null) {
                    throw ApiErrors.failedPrecondition("run " + id() + " is being cancelled");
                }
                control.requestPause();
                requestStop(StopRequest.STOP_REQUEST_PAUSE);
            }
            default -> throw illegal("paused", "QUEUED or RUNNING");
        }
        return toProto();
    }

    synchronized Run cancel() {
        switch (state) {
            case JOB_STATE_QUEUED -> {
                executor.remove(this);
                moveTo(JOB_STATE_CANCELLED, "cancelled by a client before it started");
            }
            case JOB_STATE_PAUSED -> moveTo(JOB_STATE_CANCELLED, "cancelled by a client while paused");
            case JOB_STATE_RUNNING -> {
                if (control == null) {
                    throw ApiErrors.failedPrecondition("run " + id() + " is ending");
                }
                control.requestCancel();
                requestStop(StopRequest.STOP_REQUEST_CANCEL);
            }
            default -> throw illegal("cancelled", "QUEUED, RUNNING or PAUSED");
        }
        return toProto();
    }

    /** PAUSED → QUEUED, optionally on another device or with other thread counts (validated by the caller). */
    synchronized Run resume(String device, Integer threads) {
        if (state != JOB_STATE_PAUSED) {
            throw illegal("resumed", "PAUSED");
        }
        TrainOptions.Builder o = options.toBuilder();
        if (device != null) {
            o.setDevice(device);
        }
        if (threads != null) {
            o.setThreads(threads);
        }
        options = o.build();
        moveTo(JOB_STATE_QUEUED, "resumed by a client");
        executor.submit(this);
        return toProto();
    }

    // ------------------------------------------------------------------ execution (job thread)

    @Override
    public void execute() {
        new TrainingTask(this, data).run();
    }

    /** QUEUED → RUNNING with a fresh control; null when the run is no longer queued (paused or cancelled meanwhile). */
    synchronized TrainControl begin() {
        if (state != JOB_STATE_QUEUED || shuttingDown) {
            return null; // stays QUEUED on disk: scheduled again at the next start
        }
        control = new TrainControl();
        moveTo(JOB_STATE_RUNNING, startTime == null ? "started" : "resumed");
        return control;
    }

    synchronized void trainingStarted(long stepsPerEpoch, int epochs) {
        progress.setStepsPerEpoch(stepsPerEpoch).setEpochs(epochs).setTotalSteps(stepsPerEpoch * epochs);
    }

    synchronized void step(StepRecord record, long stepsPerEpoch) {
        StepMetrics m = RunRecords.step(record, stepsPerEpoch);
        progress.setEpoch(m.getEpoch()).setCompletedSteps(m.getStep() + 1);
        append(RunEvent.newBuilder().setStep(m).setProgress(progress).build());
    }

    synchronized void epoch(EpochRecord record) {
        var m = RunRecords.epoch(record);
        if (m.getBest()) {
            progress.setBestEpoch(m.getEpoch());
        }
        append(RunEvent.newBuilder().setEpoch(m).setProgress(progress).build());
        persist(); // progress on disk once per epoch
    }

    void message(String text) {
        log(text);
    }

    /** The trainer returned: succeeded, paused (by a client, or for a shutdown) or cancelled. */
    synchronized void ended(TrainResult r) {
        control = null;
        switch (r.status()) {
            case "succeeded" -> {
                result = RunRecords.result(r);
                progress.setBestEpoch(r.bestEpoch());
                moveTo(JOB_STATE_SUCCEEDED, "trained " + r.epochs() + " epochs; the model is epoch " + r.bestEpoch());
            }
            case "paused" -> {
                if (shuttingDown && stopRequest != StopRequest.STOP_REQUEST_PAUSE) {
                    moveTo(JOB_STATE_QUEUED, "the server shut down; the run continues from its checkpoint when the "
                            + "server starts again");
                } else {
                    moveTo(JOB_STATE_PAUSED, "paused by a client");
                }
            }
            case "cancelled" -> moveTo(JOB_STATE_CANCELLED, "cancelled by a client");
            default -> moveTo(JOB_STATE_FAILED, r.error() == null ? "the trainer ended with status " + r.status() : r.error());
        }
    }

    /**
     * The run's directory cannot be continued as it is (see
     * {@link dev.cggm.train.run.DamagedRunException}): PAUSED, not FAILED — nothing was changed,
     * so once what is missing is restored, ResumeRun continues it.
     */
    synchronized void cannotContinue(String message) {
        control = null;
        if (state == JOB_STATE_RUNNING) {
            moveTo(JOB_STATE_PAUSED, "cannot continue: " + message);
        }
    }

    synchronized void failed(String message) {
        control = null;
        if (state == JOB_STATE_RUNNING) {
            moveTo(JOB_STATE_FAILED, message);
        }
    }

    // ------------------------------------------------------------------ server lifecycle

    /**
     * At server start: a run that was RUNNING when the process died is PAUSED (its checkpoint is
     * kept; ResumeRun continues it); a QUEUED one is scheduled again.
     */
    synchronized void recover() throws IOException {
        if (terminal()) {
            return;
        }
        reconcile();
        if (state == JOB_STATE_RUNNING) {
            moveTo(JOB_STATE_PAUSED, RESTARTED);
        } else if (state == JOB_STATE_QUEUED) {
            executor.submit(this);
        }
    }

    /**
     * For a shutdown: a RUNNING run stops at its next step boundary (and is queued again), a
     * QUEUED one does not start any more. True if it was running.
     */
    synchronized boolean stopForShutdown() {
        shuttingDown = true;
        if (state != JOB_STATE_RUNNING || control == null) {
            return false;
        }
        if (stopRequest != StopRequest.STOP_REQUEST_CANCEL) {
            control.requestPause();
        }
        return true;
    }
}
