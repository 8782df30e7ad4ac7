package dev.cggm.server;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.LogMessage;
import dev.cggm.api.v1.StateChange;
import dev.cggm.api.v1.StopRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static dev.cggm.api.v1.JobState.JOB_STATE_CANCELLED;
import static dev.cggm.api.v1.JobState.JOB_STATE_FAILED;
import static dev.cggm.api.v1.JobState.JOB_STATE_PAUSED;
import static dev.cggm.api.v1.JobState.JOB_STATE_QUEUED;
import static dev.cggm.api.v1.JobState.JOB_STATE_RUNNING;
import static dev.cggm.api.v1.JobState.JOB_STATE_SUCCEEDED;
import static dev.cggm.api.v1.JobState.JOB_STATE_UNSPECIFIED;

/**
 * What runs and extractions share: an id, a lifecycle (state, reason, pending stop request,
 * times) with its legal transitions, the record persisted as {@code job.json} (the API resource
 * in proto JSON) and the event log ({@code events.jsonl}). Every state change is written to the
 * record first, then appended to the log as a StateChange event — both under the job's lock, so
 * the log's order is the order of changes.
 *
 * <p>The event log is loaded when first needed and, once the job is terminal and nobody watches
 * it, released again: a long-lived server does not hold the history of every run it ever had.
 *
 * @param <E> the job's event message
 */
abstract class Job<E extends Message> implements JobExecutor.Task {
    static final String RECORD = "job.json";
    static final String EVENTS = "events.jsonl";

    private final String id;
    private final Path dir;
    private final EventLog.Kind<E> kind;
    protected final JobExecutor executor;
    private EventLog<E> events;

    // the lifecycle, guarded by this
    protected JobState state = JOB_STATE_UNSPECIFIED;
    protected String reason = "";
    protected StopRequest stopRequest = StopRequest.STOP_REQUEST_UNSPECIFIED;
    protected Timestamp createTime;
    protected Timestamp updateTime;
    protected Timestamp startTime;
    protected Timestamp endTime;

    protected Job(String id, Path dir, EventLog.Kind<E> kind, JobExecutor executor) {
        this.id = id;
        this.dir = dir;
        this.kind = kind;
        this.executor = executor;
    }

    @Override
    public String id() {
        return id;
    }

    Path dir() {
        return dir;
    }

    synchronized JobState state() {
        return state;
    }

    synchronized Timestamp createTime() {
        return createTime;
    }

    synchronized boolean terminal() {
        return isTerminal(state);
    }

    static boolean isTerminal(JobState s) {
        return s == JOB_STATE_SUCCEEDED || s == JOB_STATE_FAILED || s == JOB_STATE_CANCELLED;
    }

    /** Whether a job may go from {@code from} to {@code to}. */
    static boolean allowed(JobState from, JobState to) {
        return switch (from) {
            case JOB_STATE_UNSPECIFIED -> to == JOB_STATE_QUEUED;
            case JOB_STATE_QUEUED -> to == JOB_STATE_RUNNING || to == JOB_STATE_PAUSED || to == JOB_STATE_CANCELLED;
            case JOB_STATE_RUNNING -> to == JOB_STATE_SUCCEEDED || to == JOB_STATE_FAILED || to == JOB_STATE_CANCELLED
                    || to == JOB_STATE_PAUSED || to == JOB_STATE_QUEUED;
            case JOB_STATE_PAUSED -> to == JOB_STATE_QUEUED || to == JOB_STATE_CANCELLED;
            default -> false;
        };
    }

    /** The API resource (persisted as job.json). */
    abstract Message toProto();

    /** The job's event type around a state change. */
    protected abstract E event(StateChange change);

    /** The job's event type around a log line. */
    protected abstract E event(LogMessage message);

    /** "run", "extraction": for messages. */
    protected abstract String noun();

    /** Moves to {@code to}, persisting the record, then appending the event. */
    protected synchronized void moveTo(JobState to, String why) {
        if (!allowed(state, to)) {
            throw new IllegalStateException(noun() + " " + id + ": illegal state change " + state + " -> " + to);
        }
        JobState from = state;
        Timestamp now = ProtoJson.now();
        state = to;
        reason = why == null ? "" : why;
        updateTime = now;
        if (from == JOB_STATE_UNSPECIFIED) {
            createTime = now;
        }
        if (to == JOB_STATE_RUNNING && startTime == null) {
            startTime = now;
        }
        if (isTerminal(to)) {
            endTime = now;
        }
        if (to != JOB_STATE_RUNNING) {
            stopRequest = StopRequest.STOP_REQUEST_UNSPECIFIED;
        }
        persist();
        append(event(StateChange.newBuilder().setState(to).setPreviousState(from).setReason(reason).build()));
        releaseEventsIfIdle();
    }

    /** Records a stop request (pause/cancel asked of a RUNNING job). */
    protected synchronized void requestStop(StopRequest request) {
        stopRequest = request;
        updateTime = ProtoJson.now();
        persist();
    }

    /** Writes job.json. */
    protected synchronized void persist() {
        try {
            ProtoJson.write(dir.resolve(RECORD), toProto());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(RECORD) + ": " + e.getMessage(), e);
        }
    }

    protected synchronized void append(E event) {
        try {
            events().append(event);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(EVENTS) + ": " + e.getMessage(), e);
        }
    }

    protected void log(String text) {
        append(event(LogMessage.newBuilder().setText(text).build()));
    }

    private EventLog<E> events() throws IOException {
        if (events == null) {
            events = EventLog.open(dir.resolve(EVENTS), kind);
        }
        return events;
    }

    private synchronized void releaseEventsIfIdle() {
        if (events != null && isTerminal(state) && events.subscriberCount() == 0) {
            try {
                events.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            events = null;
        }
    }

    /**
     * After a restart: makes sure the log's last state change is the record's state (the process
     * may have died between writing one and appending the other).
     */
    protected synchronized void reconcile() throws IOException {
        EventLog<E> log = events();
        JobState logged = JOB_STATE_UNSPECIFIED;
        for (long s = log.lastSequence(); s >= 1; s--) {
            StateChange c = stateChangeOf(log.get(s));
            if (c != null) {
                logged = c.getState();
                break;
            }
        }
        if (logged != state) {
            append(event(StateChange.newBuilder().setState(state).setPreviousState(logged)
                    .setReason(reason.isEmpty() ? "recorded at restart" : reason).build()));
        }
    }

    /** The state change an event carries, or null. */
    protected abstract StateChange stateChangeOf(E event);

    /**
     * The job's history after {@code afterSequence}, for a streaming call: first what is recorded,
     * then what happens, ending after the event of a terminal state.
     */
    synchronized StreamPump.Source<E> watch(long afterSequence) throws IOException {
        if (afterSequence < 0) {
            throw ApiErrors.invalid("after_sequence", "must be >= 0, got " + afterSequence);
        }
        long last = events().lastSequence();
        if (afterSequence > last) {
            throw Status.OUT_OF_RANGE.withDescription("after_sequence: " + afterSequence + " is beyond the last event ("
                    + last + ") of " + noun() + " " + id).asRuntimeException();
        }
        return new Watch(afterSequence);
    }

    /** A cursor over the event log, subscribed to its appends while the call lasts. */
    private final class Watch implements StreamPump.Source<E> {
        private long cursor;
        private EventLog<E> log;
        private Runnable unsubscribe;

        Watch(long after) {
            this.cursor = after;
        }

        @Override
        public void attach(Runnable wake) {
            synchronized (Job.this) {
                try {
                    log = events();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                unsubscribe = log.subscribe(wake);
            }
        }

        @Override
        public E next() {
            E e = log.get(cursor + 1);
            if (e != null) {
                cursor++;
            }
            return e;
        }

        @Override
        public boolean done() {
            return log.ended() && cursor >= log.lastSequence();
        }

        @Override
        public void close() {
            synchronized (Job.this) {
                if (unsubscribe != null) {
                    unsubscribe.run();
                    unsubscribe = null;
                }
                releaseEventsIfIdle();
            }
        }
    }

    /** Streams following this job's events right now. */
    synchronized int watchers() {
        return events == null ? 0 : events.subscriberCount();
    }

    /** FAILED_PRECONDITION for an operation the current state does not allow (call under the lock). */
    protected StatusRuntimeException illegal(String operation, String allowedStates) {
        return ApiErrors.failedPrecondition(noun() + " " + id + " is " + Protos.stateName(state) + "; only "
                + allowedStates + " " + noun() + "s can be " + operation);
    }
}
