package dev.cggm.spark;

import dev.cggm.onnx.runtime.ExecutionDevice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which device an executor's sessions use, for the GPU addresses Spark assigns a task. (No GPU
 * here: the addresses are given as Spark would report them; opening CUDA itself is
 * DeviceSessions' and is tested there with a fake provider.)
 */
class ExecutorDeviceTest {
    @Test
    void autoAndCudaTakeTheAssignedGpu() {
        assertEquals(ExecutionDevice.cuda(3), ExecutorDevice.choose("auto", List.of("3", "4")));
        assertEquals(ExecutionDevice.cuda(1), ExecutorDevice.choose("cuda", List.of("1")));
        assertEquals(ExecutionDevice.cuda(1), ExecutorDevice.choose("GPU", List.of(" 1 ")));
    }

    @Test
    void withoutAssignedGpusTheRequestStands() {
        assertEquals(ExecutionDevice.AUTO, ExecutorDevice.choose("auto", List.of()));
        assertEquals(ExecutionDevice.cuda(0), ExecutorDevice.choose("cuda", List.of()));
    }

    @Test
    void cpuAndAnExplicitOrdinalAreKept() {
        assertEquals(ExecutionDevice.CPU, ExecutorDevice.choose("cpu", List.of("2")));
        assertEquals(ExecutionDevice.cuda(5), ExecutorDevice.choose("cuda:5", List.of("2")));
    }

    @Test
    void onlyAutoFallsBackToTheCpu() {
        assertTrue(ExecutorDevice.mayFallBack("auto"));
        assertFalse(ExecutorDevice.mayFallBack("cuda"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExecutorDevice.choose("auto", List.of("gpu-a")));
        assertTrue(e.getMessage().contains("pass --device cuda:N"), e.getMessage());
    }
}
