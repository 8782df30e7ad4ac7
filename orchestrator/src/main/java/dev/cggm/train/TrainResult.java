package dev.cggm.train;

import dev.cggm.train.run.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a run ended: status ({@code succeeded}, {@code paused}, {@code cancelled}, {@code failed}),
 * the best epoch, and validation and test figures of the best model. Written as
 * {@code summary.json}; {@code --json} prints it as one line.
 */
public record TrainResult(String status, String modulation, int bestEpoch, int epochs, long steps,
                          Map<String, Object> validation, Map<String, Object> test, double seconds, String runDir,
                          String error) {
    public void write(Path file) throws IOException {
        Json.writeAtomically(file, this);
    }

    public String toJsonLine() throws IOException {
        return Json.LINES.writeValueAsString(this);
    }
}
