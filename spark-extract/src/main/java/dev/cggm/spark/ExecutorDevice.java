package dev.cggm.spark;

import dev.cggm.onnx.runtime.ExecutionDevice;

import java.util.List;
import java.util.Locale;

/**
 * The device an executor's sessions run on. With Spark GPU scheduling
 * ({@code spark.executor.resource.gpu.amount}, {@code spark.task.resource.gpu.amount}) a task is
 * told which GPU addresses it may use; {@code auto} and {@code cuda} then mean the first of them
 * (on Kubernetes with one GPU per executor that is 0, on a shared host the one Spark assigned).
 * Without assigned GPUs {@code auto} keeps its meaning (CUDA device 0 when the ONNX Runtime build
 * has it and it initialises, else CPU) and {@code cuda} is device 0. {@code cpu} and
 * {@code cuda:N} are taken as given.
 */
final class ExecutorDevice {
    private ExecutorDevice() {
    }

    /**
     * @param requested    the {@code --device} value
     * @param gpuAddresses the GPU addresses Spark assigned the task (empty without GPU scheduling)
     */
    static ExecutionDevice choose(String requested, List<String> gpuAddresses) {
        String r = requested.trim().toLowerCase(Locale.ROOT);
        boolean anyGpu = r.equals("auto") || r.equals("cuda") || r.equals("gpu");
        if (anyGpu && !gpuAddresses.isEmpty()) {
            try {
                return ExecutionDevice.cuda(Integer.parseInt(gpuAddresses.get(0).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Spark assigned GPU address '" + gpuAddresses.get(0)
                        + "', which is not a CUDA device ordinal; pass --device cuda:N", e);
            }
        }
        return ExecutionDevice.parse(requested);
    }

    /** Whether a failing CUDA device may fall back to the CPU ({@code auto} only). */
    static boolean mayFallBack(String requested) {
        return requested.trim().equalsIgnoreCase("auto");
    }
}
