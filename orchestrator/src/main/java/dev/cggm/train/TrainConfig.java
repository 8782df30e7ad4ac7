package dev.cggm.train;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.train.modulation.CggmOptions;
import dev.cggm.train.run.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a training run was started with, resolved (defaults filled in from the preset's
 * recipe). Stored as {@code config.json} in the run directory; {@code --resume} reads it back.
 *
 * @param features        feature store directory
 * @param preset          architecture preset
 * @param modulation      {@code none} or {@code cggm}
 * @param checkpointEvery steps between checkpoints (0: at epoch ends only)
 * @param selectBy        {@code metric} (accuracy, or MAE for regression) or {@code loss} for the best model
 */
public record TrainConfig(
        String features,
        String preset,
        String modulation,
        double rho,
        double lambda,
        CggmOptions.Direction direction,
        CggmOptions.Coefficients coefficients,
        int epochs,
        int batchSize,
        long seed,
        String optimizer,
        double lr,
        double weightDecay,
        double momentum,
        double classifierLr,
        double classifierWeightDecay,
        double clip,
        String scheduler,
        int patience,
        double factor,
        int warmupEpochs,
        double minLr,
        int stepSize,
        double gamma,
        boolean dropout,
        String device,
        int threads,
        int checkpointEvery,
        String selectBy) {

    public TrainConfig {
        if (!modulation.equals("none") && !modulation.equals("cggm")) {
            throw new IllegalArgumentException("--modulation must be none or cggm, got '" + modulation + "'");
        }
        if (epochs <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("--epochs and --batch-size must be > 0");
        }
        if (lr <= 0 || classifierLr <= 0) {
            throw new IllegalArgumentException("learning rates must be > 0");
        }
        if (!java.util.Set.of("plateau", "cosine", "step", "none").contains(scheduler)) {
            throw new IllegalArgumentException("--scheduler must be plateau, cosine, step or none, got '" + scheduler + "'");
        }
        if (!selectBy.equals("metric") && !selectBy.equals("loss")) {
            throw new IllegalArgumentException("--select-by must be metric or loss");
        }
        if (checkpointEvery < 0 || threads < 0) {
            throw new IllegalArgumentException("--checkpoint-every and --threads must be >= 0");
        }
    }

    /**
     * A copy with some fields replaced, by their JSON (snake_case) names; the result is validated
     * like any config, and an invalid value is an error naming it.
     */
    public TrainConfig with(Map<String, Object> changes) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.FILES.convertValue(this, LinkedHashMap.class);
        m.putAll(changes);
        try {
            return Json.FILES.convertValue(m, TrainConfig.class);
        } catch (IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalArgumentException(root.getMessage() == null ? e.getMessage() : root.getMessage(), e);
        }
    }

    /** ONNX Runtime sessions on this run's device, deterministic (same seed, same results). */
    public DeviceSessions sessions() {
        return new DeviceSessions(ExecutionDevice.parse(device), threads).deterministic(true);
    }

    public CggmOptions cggmOptions() {
        return new CggmOptions(rho, lambda, direction, coefficients);
    }
}
