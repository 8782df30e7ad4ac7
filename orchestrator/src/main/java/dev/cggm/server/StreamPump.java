package dev.cggm.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives one server-streaming call from a pull {@link Source}, honouring flow control: messages
 * are pulled and sent only while the transport is ready for more, so a slow client makes the
 * server wait instead of buffering its stream in memory. The pump runs on {@code executor},
 * never on the thread that wakes it (a training thread appending an event does no network work),
 * and one pass at a time per call.
 */
final class StreamPump<T> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPump.class);

    /** Where the messages come from. */
    interface Source<T> {
        /** The next message, or null when none is available yet (the pump waits for {@link #wake()}). */
        T next() throws Exception;

        /** Whether everything has been sent: the call is then completed. */
        boolean done();

        /** Called once before the first message is pulled: {@code wake} tells the pump more is available. */
        default void attach(Runnable wake) {
        }

        /** The call ended (completed, failed or cancelled by the client): release what the source holds. */
        default void close() {
        }
    }

    private final ServerCallStreamObserver<T> call;
    private final Source<T> source;
    private final Executor executor;
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean finished;

    private StreamPump(ServerCallStreamObserver<T> call, Source<T> source, Executor executor) {
        this.call = call;
        this.source = source;
        this.executor = executor;
    }

    /**
     * Starts streaming {@code source} to the call. Must be called from the service method (before
     * it returns), where the call's handlers can still be set.
     */
    static <T> StreamPump<T> start(StreamObserver<T> observer, Source<T> source, Executor executor) {
        @SuppressWarnings("unchecked")
        ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) observer;
        StreamPump<T> pump = new StreamPump<>(call, source, executor);
        call.setOnCancelHandler(pump::cancelled);
        call.setOnReadyHandler(pump::wake);
        source.attach(pump::wake);
        pump.wake();
        return pump;
    }

    /** More may be available: schedules a pass unless one is already going to happen. */
    void wake() {
        if (!finished && wip.getAndIncrement() == 0) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        int missed = 1;
        do {
            pass();
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void pass() {
        if (finished) {
            return;
        }
        try {
            while (!call.isCancelled() && call.isReady()) {
                if (source.done()) {
                    break;
                }
                T next = source.next();
                if (next == null) {
                    break;
                }
                call.onNext(next);
            }
            if (!call.isCancelled() && source.done()) {
                finish();
                call.onCompleted();
            }
        } catch (StatusRuntimeException e) {
            fail(e.getStatus());
        } catch (Exception | Error e) {
            LOG.error("stream failed", e);
            fail(Status.INTERNAL.withDescription("internal error while streaming: " + ApiErrors.describe(e)));
        }
    }

    private void fail(Status status) {
        if (!finished) {
            finish();
            if (!call.isCancelled()) {
                call.onError(status.asRuntimeException());
            }
        }
    }

    private void cancelled() {
        finish();
    }

    private synchronized void finish() {
        if (!finished) {
            finished = true;
            source.close();
        }
    }
}
