package dev.cggm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cggm.onnx.artifacts.JsonErrors;
import picocli.CommandLine;

import java.nio.file.NoSuchFileException;

/**
 * Turns failures into one clear line on stderr and exit code 1 — no stack trace unless
 * {@code CGGM_DEBUG=1} is set.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        cmd.getErr().println("error: " + describe(e));
        if ("1".equals(System.getenv("CGGM_DEBUG"))) {
            e.printStackTrace(cmd.getErr());
        } else {
            cmd.getErr().println("(set CGGM_DEBUG=1 for a stack trace)");
        }
        return 1;
    }

    /** The failure as one line: its message's first line (a parser's source excerpt and the like stay out). */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException nsf) {
            return (nsf.getReason() != null ? nsf.getReason() + ": " : "no such file: ") + nsf.getFile();
        }
        if (e instanceof JsonProcessingException) {
            return JsonErrors.describe(e);
        }
        String msg = JsonErrors.firstLine(e.getMessage());
        return msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }
}
