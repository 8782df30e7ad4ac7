package dev.cggm.cli;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArtifactsCommandTest {
    @Test
    void writesAndChecksAnArtifactDirectory(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny");
        var r = CliRunner.run("artifacts", "--preset", "tiny", "--out", out.toString(), "--seed", "3",
                "--input", "text=7x3", "--classes", "5");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("check: all three models load"), r.out());
        for (String f : new String[] {"artifacts.json", "training_model.onnx", "eval_model.onnx", "inference_model.onnx",
                "checkpoint.safetensors"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        ArtifactManifest m = ArtifactManifest.read(out);
        assertEquals(5, m.model().outputDim());
        assertEquals(7, m.config().modality("text").inputDim());
        assertEquals(3, m.config().modality("text").seqLen());
        assertEquals(3, m.seed());
    }

    @Test
    void refusesANonEmptyOutputDirectoryWithoutForce(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("precious.txt"), "keep me");
        var r = CliRunner.run("artifacts", "--preset", "tiny", "--out", tmp.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("is not empty"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(Files.exists(tmp.resolve("precious.txt")));
        // --force does not delete a directory that is not an artifact directory either
        var forced = CliRunner.run("artifacts", "--preset", "tiny", "--out", tmp.toString(), "--force");
        assertEquals(1, forced.exitCode());
        assertTrue(forced.err().contains("refusing to delete"), forced.err());
        assertTrue(Files.exists(tmp.resolve("precious.txt")));
    }

    @Test
    void forceReplacesAPreviousArtifactDirectory(@TempDir Path tmp) {
        Path out = tmp.resolve("a");
        assertEquals(0, CliRunner.run("artifacts", "--preset", "tiny", "--out", out.toString(), "--no-check").exitCode());
        var again = CliRunner.run("artifacts", "--preset", "tiny", "--out", out.toString(), "--no-check", "--force");
        assertEquals(0, again.exitCode(), again.err());
    }

    @Test
    void unknownPresetNamesTheKnownOnes(@TempDir Path tmp) {
        var r = CliRunner.run("artifacts", "--preset", "nope", "--out", tmp.resolve("x").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown preset 'nope'") && r.err().contains("food101"), r.err());
    }

    @Test
    void badInputOverrideIsExplained(@TempDir Path tmp) {
        var r = CliRunner.run("artifacts", "--preset", "tiny", "--out", tmp.resolve("x").toString(), "--input", "text=abc");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("expected DIM or DIMxLEN"), r.err());
        var unknown = CliRunner.run("artifacts", "--preset", "tiny", "--out", tmp.resolve("y").toString(), "--input", "audio=3");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("no modality 'audio'"), unknown.err());
    }

    @Test
    void helpListsTheVerbs() {
        var r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("artifacts") && r.out().contains("bench"), r.out());
    }
}
