package dev.cggm.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cggm.tests.CliAssertions.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
        // the flags' own rules, before a demo dataset is generated for them
        assertOneLineError("--image-std: std values must be finite and > 0", "extract", "--dataset",
                tmp.resolve("demo").toString(), "--format", "demo", "--out", tmp.resolve("s").toString(),
                "--image-std", "0,0,0");
        assertOneLineError("--image-mean: mean needs 3 values", "extract", "--dataset", tmp.resolve("demo").toString(),
                "--format", "demo", "--out", tmp.resolve("s").toString(), "--image-mean", "0.5,0.5");
        assertOneLineError("--split: 'train' is given twice", "extract", "--dataset", tmp.resolve("demo").toString(),
                "--format", "demo", "--out", tmp.resolve("s").toString(), "--split", "train", "--split", "train");
        assertFalse(Files.exists(tmp.resolve("demo")), "nothing was generated");
        // a parser's multi-line message is cut to its first line (no source excerpt)
        Files.writeString(tmp.resolve("pre.json"), "{\"size\": {\"height\": 64,\n oops");
        String err = assertOneLineError("preprocessor config", "extract", "--dataset", tmp.resolve("demo").toString(),
                "--format", "demo", "--out", tmp.resolve("s").toString(), "--preprocessor-config",
                tmp.resolve("pre.json").toString());
        assertFalse(err.contains("Source:") || err.contains("line: "), err);
        assertFalse(Files.exists(tmp.resolve("demo")), "nothing was generated for a bad preprocessor config either");
        Files.writeString(tmp.resolve("train.json"), "[]");
        assertOneLineError("unknown text encoder 'gpt'", "extract", "--dataset", tmp.toString(), "--format", "food101",
                "--out", tmp.resolve("s").toString(), "--text-encoder", "gpt");
    }
}
