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

/**
 * {@code ./cggm train}'s options are validated before anything is read or written, by the same
 * option records the API uses, with one line naming the flag.
 */
class TrainCommandTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--weight-decay | -1 | --weight-decay: must be a finite number >= 0, got -1.0",
            "--clip | NaN | --clip: must be a finite number >= 0, got NaN",
            "--lr | NaN | --lr: must be a finite number > 0, got NaN",
            "--lr | Infinity | --lr: must be a finite number > 0, got Infinity",
            "--rho | NaN | --rho: must be a finite number > 0, got NaN",
            "--optimizer | lion | --optimizer: must be one of adamw, adam, sgd, got 'lion'",
            "--coefficients | wild | --coefficients: must be one of faithful, guarded, got 'wild'",
            "--batch-size | 0 | --batch-size: must be in 1..100000, got 0",
    })
    void invalidOptionsStopBeforeAnythingIsWritten(String flag, String value, String message, @TempDir Path tmp) {
        Path out = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--features", tmp.resolve("no-store").toString(), "--preset", "tiny",
                "--out", out.toString(), flag, value);
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("error: " + message), r.err());
        assertFalse(Files.exists(out), "no run directory for a run that cannot start");
    }

    @Test
    void anOptionOfAnotherMethodIsRefusedNamingTheMethodsOwn(@TempDir Path tmp) {
        CliRunner.Result r = CliRunner.run("train", "--features", tmp.toString(), "--preset", "tiny", "--out",
                tmp.resolve("run").toString(), "--modulation", "joint", "--rho", "1.5");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--rho is an option of cggm, not of method 'joint' (it has no options)"), r.err());
        CliRunner.Result u = CliRunner.run("train", "--features", tmp.toString(), "--preset", "tiny", "--out",
                tmp.resolve("run").toString(), "--modulation", "magic");
        assertTrue(u.err().contains("--modulation: unknown method 'magic'; known methods: joint, cggm"), u.err());
    }

    @Test
    void methodsListsEveryMethodWithItsOptions() {
        CliRunner.Result r = CliRunner.run("methods", "--preset", "food101");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("cggm") && r.out().contains("--lambda 0.05") && r.out().contains("{faithful|guarded}"),
                r.out());
        assertTrue(r.out().contains("cggm-guarded") && r.out().contains("late-fusion"), r.out());
    }
}
