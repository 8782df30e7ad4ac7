package dev.cggm.cli;

import picocli.CommandLine;

import java.io.IOException;
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

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException nsf) {
            return (nsf.getReason() != null ? nsf.getReason() + ": " : "no such file: ") + nsf.getFile();
        }
        if (e instanceof IOException && e.getMessage() != null) {
            return e.getMessage();
        }
        String msg = e.getMessage();
        return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
    }
}
