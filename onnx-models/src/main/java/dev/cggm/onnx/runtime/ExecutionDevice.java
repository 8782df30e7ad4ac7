package dev.cggm.onnx.runtime;

import java.util.Locale;

/**
 * Where ONNX Runtime sessions run, as the user asks for it: {@code auto} (CUDA when the ONNX
 * Runtime build offers it and it initialises, else CPU), {@code cpu}, or {@code cuda[:N]}.
 *
 * @param kind     what was asked for
 * @param deviceId CUDA device ordinal (0 unless {@code cuda:N}); ignored for {@code cpu}
 */
public record ExecutionDevice(Kind kind, int deviceId) {
    /** The three choices of {@code --device}. */
    public enum Kind { AUTO, CPU, CUDA }

    public static final ExecutionDevice AUTO = new ExecutionDevice(Kind.AUTO, 0);
    public static final ExecutionDevice CPU = new ExecutionDevice(Kind.CPU, 0);

    public ExecutionDevice {
        if (kind == null) {
            throw new IllegalArgumentException("device kind is required");
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + deviceId);
        }
    }

    /** A CUDA device by ordinal. */
    public static ExecutionDevice cuda(int deviceId) {
        return new ExecutionDevice(Kind.CUDA, deviceId);
    }

    /**
     * Parses {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static ExecutionDevice parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "cuda":
            case "gpu":
                return cuda(0);
            default:
                break;
        }
        if (s.startsWith("cuda:")) {
            String n = s.substring(5);
            try {
                int id = Integer.parseInt(n);
                if (id >= 0) {
                    return cuda(id);
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("invalid device '" + text + "': expected auto, cpu, cuda or cuda:N (N >= 0)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> "cuda:" + deviceId;
        };
    }
}
