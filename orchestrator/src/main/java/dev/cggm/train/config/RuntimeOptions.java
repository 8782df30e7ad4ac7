package dev.cggm.train.config;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;

import java.util.Locale;

/**
 * Where the sessions run.
 *
 * @param device  {@code auto} (CUDA when available, else CPU), {@code cpu} or {@code cuda[:N]}
 * @param threads ONNX Runtime threads (0: all cores)
 */
public record RuntimeOptions(String device, int threads) {
    public RuntimeOptions {
        InvalidOption.required("device", device);
        try {
            ExecutionDevice.parse(device);
        } catch (IllegalArgumentException e) {
            throw new InvalidOption("device", e.getMessage());
        }
        device = device.trim().toLowerCase(Locale.ROOT);
        InvalidOption.range("threads", threads, 0, 4096);
    }

    /** ONNX Runtime sessions on this device, deterministic (same seed, same results). */
    public DeviceSessions sessions() {
        return new DeviceSessions(ExecutionDevice.parse(device), threads).deterministic(true);
    }
}
