package dev.cggm.server;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;

/**
 * How service methods answer: a StatusRuntimeException becomes that status; a damaged feature
 * store FAILED_PRECONDITION; any other failure INTERNAL — each with a one-line message (a stack
 * trace goes to the server log for unexpected failures only, never to the client; the data
 * directory's absolute path is never shown). A call whose deadline passed (or that its client cancelled) before the work is done
 * is not carried out: {@link #checkAlive()} is called before anything is changed.
 */
final class Calls {
    private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

    private final DataDirectory data;

    Calls(DataDirectory data) {
        this.data = data;
    }

    interface Body<T> {
        T call() throws Exception;
    }

    <T> void unary(StreamObserver<T> out, Body<T> body) {
        T result;
        try {
            checkAlive();
            result = body.call();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (Exception | Error e) {
            out.onError(failure(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    /** Runs a streaming method's setup; failures become the call's status. */
    void streaming(StreamObserver<?> out, Callable<Void> setup) {
        try {
            checkAlive();
            setup.call();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        } catch (Exception | Error e) {
            out.onError(failure(e));
        }
    }

    /** DEADLINE_EXCEEDED or CANCELLED when the caller is gone: do not start (or commit) work for it. */
    static void checkAlive() {
        Context ctx = Context.current();
        if (ctx.isCancelled()) {
            boolean deadline = ctx.getDeadline() != null && ctx.getDeadline().isExpired();
            throw (deadline ? Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the server acted")
                    : Status.CANCELLED.withDescription("cancelled by the client")).asRuntimeException();
        }
    }

    /** The status a failed call answers with (see {@link ApiErrors#status}), logged: expected kinds as one line. */
    StatusRuntimeException failure(Throwable e) {
        String message = data.redact(ApiErrors.describe(e));
        if (ApiErrors.expected(e)) {
            LOG.warn("request failed: {}", message);
        } else {
            LOG.error("request failed", e);
        }
        return ApiErrors.status(e).withDescription(message).asRuntimeException();
    }
}
