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
 * The options of OGM-GE, AGM, PMR and MSLR as command-line flags: listed by {@code ./cggm
 * methods}, and an invalid value stops before anything is written with one line naming the flag.
 */
class BalanceBenchmarkFlagsTest {
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
            "ogm-ge | --alpha | 0 | --alpha: must be a finite number > 0, got 0.0",
            "ogm | --end-epoch | -1 | --end-epoch: must be >= 10, got -1",
            "ogm-ge | --score | cosine | --score: must be one of faithful, softmax, got 'cosine'",
            "agm | --responses | all | --responses: must be one of benchmark, shapley, got 'all'",
            "agm | --clip-at | -5 | --clip-at: must be a finite number >= 0, got -5.0",
            "pmr | --prototype-momentum | 1 | --prototype-momentum: must be in [0.0, 1.0), got 1.0",
            "pmr | --eta | 0 | --eta: must be a finite number > 0, got 0.0",
            "mslr | --ratios | text | --ratios: expected MODALITY=FACTOR entries separated by commas, got 'text'",
            "mslr | --strategy | smooth | --strategy: must be one of static, dynamic, got 'smooth'",
            "mslr | --history | 0 | --history: must be >= 1, got 0",
    })
    void invalidValuesStopBeforeAnythingIsWritten(String method, String flag, String value, String message,
                                                  @TempDir Path tmp) {
        Path out = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--features", tmp.resolve("no-store").toString(), "--preset", "tiny",
                "--out", out.toString(), "--modulation", method, flag, value);
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("error: " + message), r.err());
        assertFalse(Files.exists(out), "no run directory for a run that cannot start");
    }

    @Test
    void methodsListsThemWithTheToolkitsDefaults() {
        CliRunner.Result r = CliRunner.run("methods", "--preset", "tiny");
        assertEquals(0, r.exitCode(), r.err());
        for (String expected : new String[] {"ogm-ge", "agm", "pmr", "mslr", "--alpha 0.3", "--start-epoch 10",
                "--alpha 0.1", "--alpha 0.6", "--prototype-momentum 0.5", "{static|dynamic}"}) {
            assertTrue(r.out().contains(expected), expected + " in:\n" + r.out());
        }
    }
}
