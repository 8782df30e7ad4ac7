package dev.cggm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IGM's options on the command line: listed, validated with one line naming the flag, lists comma-separated. */
class IgmCommandTest {
    @Test
    void methodsListsIgmWithItsOptionsAndArchitecture() {
        CliRunner.Result r = CliRunner.run("methods", "--preset", "tiny");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("igm") && r.out().contains("--stage-epochs") && r.out().contains("--flat-rho-head")
                && r.out().contains("{faithful|sam}") && r.out().contains("modality-heads"), r.out());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--stage-epochs | 2,0 | --stage-epochs: must be epoch counts >= 1 (or none for the default), got [2, 0]",
            "--stage-epochs | 2,x | --stage-epochs",
            "--flat-ratio | 1.5 | --flat-ratio: must be in [0.0, 1.0], got 1.5",
            "--flat | wild | --flat: must be one of faithful, sam, got 'wild'",
            "--projected | some | --projected: must be one of head, all, got 'some'",
            "--architecture | late-fusion | method 'igm' runs on [modality-heads], not 'late-fusion'",
    })
    void invalidOptionsStopBeforeAnythingIsWritten(String flag, String value, String message, @TempDir Path tmp) {
        Path out = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--features", tmp.resolve("no-store").toString(), "--preset", "tiny",
                "--modulation", "igm", "--out", out.toString(), flag, value);
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("error: ") && r.err().contains(message), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aValidListGetsAsFarAsReadingTheStore(@TempDir Path tmp) {
        CliRunner.Result r = CliRunner.run("train", "--features", tmp.resolve("no-store").toString(), "--preset", "tiny",
                "--modulation", "igm", "--out", tmp.resolve("run").toString(), "--stage-epochs", "2,3", "--flat", "sam");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("not a feature store"), r.err());
    }
}
