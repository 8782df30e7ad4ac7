package dev.cggm.train;

import dev.cggm.train.run.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a run ended: status ({@code succeeded}, {@code paused}, {@code cancelled}, {@code failed}),
 * the method, the best epoch, validation and test figures of the best model, training time, and
 * the process's peak resident memory so far (Linux; null elsewhere). Written as
 * {@code summary.json}; {@code --json} prints it as one line.
 *
 * @param seconds     training time of this execution (since the last start or resume)
 * @param peakRssMib  the process's peak resident set (VmHWM) in MiB when the result was made
 */
public record TrainResult(String status, String method, int bestEpoch, int epochs, long steps,
                          Map<String, Object> validation, Map<String, Object> test, double seconds, String runDir,
                          String error, Double peakRssMib) {
    /** The process's peak resident set in MiB (VmHWM of /proc/self/status), or null where unavailable. */
    public static Double currentPeakRssMib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    public void write(Path file) throws IOException {
        Json.writeAtomically(file, this);
    }

    public String toJsonLine() throws IOException {
        return Json.LINES.writeValueAsString(this);
    }
}
