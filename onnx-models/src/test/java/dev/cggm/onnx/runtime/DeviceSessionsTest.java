package dev.cggm.onnx.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.onnx.models.vit.VitConfig;
import dev.cggm.onnx.models.vit.VitModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device parsing and selection. Sessions are real (CPU build of ONNX Runtime); where a CUDA
 * provider has to be "offered", a fake {@link CudaProvider} stands in for the GPU build, since no
 * GPU is reachable here — the fake is the only simulated part.
 */
class DeviceSessionsTest {
    private static final byte[] MODEL = VitModel.build(new VitConfig(16, 8, 3, 8, 1, 2, 16, 1e-12), 1).toBytes();

    @Test
    void parsesDevices() {
        assertEquals(ExecutionDevice.AUTO, ExecutionDevice.parse("auto"));
        assertEquals(ExecutionDevice.CPU, ExecutionDevice.parse(" CPU "));
        assertEquals(ExecutionDevice.cuda(0), ExecutionDevice.parse("cuda"));
        assertEquals(ExecutionDevice.cuda(3), ExecutionDevice.parse("cuda:3"));
        assertEquals("cuda:3", ExecutionDevice.parse("cuda:3").toString());
        for (String bad : new String[] {"", "tpu", "cuda:", "cuda:-1", "cuda:x", "cuda:1:2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse(bad));
            assertTrue(e.getMessage().contains("auto, cpu, cuda or cuda:N"), e.getMessage());
        }
    }

    @Test
    void autoFallsBackToCpuOnTheCpuBuildInOneLine() throws Exception {
        List<String> lines = new ArrayList<>();
        DeviceSessions ds = new DeviceSessions(ExecutionDevice.AUTO, 1, CudaProvider.onnxRuntime(), lines::add);
        try (OrtSession a = ds.open(MODEL); OrtSession b = ds.open(MODEL)) {
            assertEquals(ExecutionDevice.CPU, ds.resolved());
        }
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("execution device: cpu (auto: "), lines.get(0));
    }

    /** --quiet: no line for a plain choice, but a CUDA that failed to initialise is still said. */
    @Test
    void silentLeavesOutTheChoiceButNotAFallBack() throws Exception {
        List<String> lines = new ArrayList<>();
        DeviceSessions plain = new DeviceSessions(ExecutionDevice.AUTO, 1, CudaProvider.onnxRuntime(), lines::add).silent();
        try (OrtSession s = plain.open(MODEL)) {
            assertEquals(ExecutionDevice.CPU, plain.resolved());
        }
        assertEquals(List.of(), lines);

        CudaProvider failing = fake(true, new OrtException("CUDA failure 100: no CUDA-capable device is detected"));
        DeviceSessions fellBack = new DeviceSessions(ExecutionDevice.AUTO, 1, failing, lines::add).silent();
        try (OrtSession s = fellBack.open(MODEL)) {
            assertEquals(ExecutionDevice.CPU, fellBack.resolved());
        }
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("offered but failed to initialise"), lines.get(0));
    }

    @Test
    void explicitCudaOnTheCpuBuildIsAClearError() {
        DeviceSessions ds = new DeviceSessions(ExecutionDevice.cuda(0), 1, CudaProvider.onnxRuntime(), l -> { });
        OrtException e = assertThrows(OrtException.class, () -> ds.open(MODEL).close());
        assertTrue(e.getMessage().startsWith("device cuda:0 is not available: "), e.getMessage());
    }

    @Test
    void autoFallsBackWhenAnOfferedProviderFailsToInitialise() throws Exception {
        // fake: the build claims CUDA, but appending it fails as it does without a driver
        CudaProvider failing = fake(true, new OrtException("CUDA failure 100: no CUDA-capable device is detected"));
        List<String> lines = new ArrayList<>();
        DeviceSessions ds = new DeviceSessions(ExecutionDevice.AUTO, 1, failing, lines::add);
        try (OrtSession s = ds.open(MODEL)) {
            assertEquals(ExecutionDevice.CPU, ds.resolved());
        }
        assertEquals(List.of("execution device: cpu (auto: CUDA execution provider offered but failed to initialise: "
                + "CUDA failure 100: no CUDA-capable device is detected)"), lines);

        DeviceSessions explicit = new DeviceSessions(ExecutionDevice.cuda(1), 1, failing, l -> { });
        OrtException e = assertThrows(OrtException.class, () -> explicit.open(MODEL).close());
        assertTrue(e.getMessage().contains("failed to initialise: CUDA failure 100"), e.getMessage());
    }

    @Test
    void autoPicksCudaWhenItInitialises() throws Exception {
        // fake: the provider "initialises" (appends nothing, so the session really runs on CPU)
        List<Integer> appended = new ArrayList<>();
        CudaProvider ok = new CudaProvider() {
            @Override
            public boolean offered() {
                return true;
            }

            @Override
            public void append(OrtSession.SessionOptions options, int deviceId) {
                appended.add(deviceId);
            }
        };
        List<String> lines = new ArrayList<>();
        DeviceSessions ds = new DeviceSessions(ExecutionDevice.AUTO, 1, ok, lines::add);
        try (OrtSession a = ds.open(MODEL); OrtSession b = ds.open(MODEL)) {
            assertEquals(ExecutionDevice.cuda(0), ds.resolved());
        }
        assertEquals(List.of(0, 0), appended, "every session gets the CUDA provider");
        assertEquals(List.of("execution device: cuda:0 (auto: CUDA execution provider initialised)"), lines);

        DeviceSessions two = new DeviceSessions(ExecutionDevice.cuda(2), 1, ok, l -> { });
        two.open(MODEL).close();
        assertEquals(ExecutionDevice.cuda(2), two.resolved());
    }

    private static CudaProvider fake(boolean offered, OrtException failure) {
        return new CudaProvider() {
            @Override
            public boolean offered() {
                return offered;
            }

            @Override
            public void append(OrtSession.SessionOptions options, int deviceId) throws OrtException {
                throw failure;
            }
        };
    }
}
