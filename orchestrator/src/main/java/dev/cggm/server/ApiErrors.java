package dev.cggm.server;

import ai.onnxruntime.OrtException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.InvalidStoreException;
import dev.cggm.onnx.artifacts.JsonErrors;
import dev.cggm.train.TrainingFailed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * The statuses the API answers with, and the one-line messages failures of the trainer and the
 * extractor become. Messages never carry stack traces, and never the data directory's absolute
 * path (see {@link DataDirectory#redact}).
 */
final class ApiErrors {
    private ApiErrors() {
    }

    /** INVALID_ARGUMENT naming the request field, e.g. {@code options.epochs: must be > 0, got 0}. */
    static StatusRuntimeException invalid(String field, String problem) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).asRuntimeException();
    }

    static StatusRuntimeException notFound(String what) {
        return Status.NOT_FOUND.withDescription(what).asRuntimeException();
    }

    static StatusRuntimeException alreadyExists(String what) {
        return Status.ALREADY_EXISTS.withDescription(what).asRuntimeException();
    }

    /** An operation the resource's state does not allow (pausing a finished run, exporting a running one). */
    static StatusRuntimeException failedPrecondition(String what) {
        return Status.FAILED_PRECONDITION.withDescription(what).asRuntimeException();
    }

    static StatusRuntimeException exhausted(String what) {
        return Status.RESOURCE_EXHAUSTED.withDescription(what).asRuntimeException();
    }

    /**
     * A failure as one line for a user: the messages of the trainer's and the extractor's own
     * errors are written for users and kept as they are; anything else is named by its type.
     */
    static String describe(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            e = u.getCause();
        }
        if (e instanceof NoSuchFileException nsf) {
            return (nsf.getReason() != null ? nsf.getReason() + ": " : "no such file: ") + nsf.getFile();
        }
        String msg = e.getMessage() == null ? null : JsonErrors.firstLine(e.getMessage());
        boolean userFacing = e instanceof TrainingFailed || e instanceof FeatureException
                || e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof IOException || e instanceof OrtException;
        if (userFacing && msg != null && !msg.isBlank()) {
            return msg;
        }
        return "internal error (" + e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg)
                + "); the server log has the details";
    }

    /**
     * The status of a failed call: FAILED_PRECONDITION for a feature store that cannot be used as
     * it is (damaged files, bad values: the server's data, not the request, must change), INTERNAL
     * otherwise.
     */
    static Status status(Throwable e) {
        return e instanceof InvalidStoreException ? Status.FAILED_PRECONDITION : Status.INTERNAL;
    }

    /** Whether a failure is one of the expected kinds (bad data, bad options, I/O), not a bug worth a stack trace. */
    static boolean expected(Throwable e) {
        return e instanceof TrainingFailed || e instanceof FeatureException || e instanceof IllegalArgumentException
                || e instanceof IOException || e instanceof UncheckedIOException || e instanceof OrtException;
    }
}
