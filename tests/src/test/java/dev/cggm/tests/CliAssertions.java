package dev.cggm.tests;

import dev.cggm.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process and checks what a user sees. */
final class CliAssertions {
    private CliAssertions() {
    }

    /**
     * The command fails with exit code 1 and one {@code error:} line containing {@code expected}
     * (plus at most the CGGM_DEBUG hint), no stack trace; returns stderr.
     */
    static String assertOneLineError(String expected, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setErr(saved);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("error: ") && text.contains(expected), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
        assertEquals(1, text.lines().filter(l -> l.startsWith("error: ")).count(), text);
        assertTrue(text.lines().filter(l -> !l.startsWith("INFO ")).count() <= 2,
                "the error and the CGGM_DEBUG hint: " + text);
        return text;
    }

    /** Runs a command that must succeed; returns its stdout. */
    static String stdout(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        return text;
    }
}
