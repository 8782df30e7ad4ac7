package dev.cggm.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cggm.tests.CliAssertions.assertOneLineError;

/** {@code cggm extract} errors reach the user as one line, never a stack trace. */
class ExtractCliTest {
    @Test
    void errorsAreOneClearLine(@TempDir Path tmp) throws Exception {
        assertOneLineError("JSONL manifest not found", "extract", "--dataset", tmp.resolve("missing").toString(), "--format", "jsonl",
                "--out", tmp.resolve("s").toString());
        assertOneLineError("unknown dataset format 'csv'", "extract", "--dataset", tmp.toString(), "--format", "csv",
                "--out", tmp.resolve("s").toString());
        assertOneLineError("invalid device 'tpu'", "extract", "--dataset", tmp.toString(), "--format", "demo",
                "--out", tmp.resolve("s").toString(), "--device", "tpu");
        Files.writeString(tmp.resolve("train.json"), "[]");
        assertOneLineError("unknown text encoder 'gpt'", "extract", "--dataset", tmp.toString(), "--format", "food101",
                "--out", tmp.resolve("s").toString(), "--text-encoder", "gpt");
    }
}
