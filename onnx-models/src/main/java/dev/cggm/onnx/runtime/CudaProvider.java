package dev.cggm.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

/**
 * Access to ONNX Runtime's CUDA execution provider, behind an interface so that the selection
 * logic of {@link DeviceSessions} can be tested on machines without a GPU (tests substitute a
 * fake that claims the provider is offered).
 */
public interface CudaProvider {
    /** Whether this ONNX Runtime build lists the CUDA execution provider at all. */
    boolean offered();

    /** Appends the CUDA provider for {@code deviceId} to the options (throws if it cannot initialise). */
    void append(OrtSession.SessionOptions options, int deviceId) throws OrtException;

    /** The real provider of the ONNX Runtime build on the class path. */
    static CudaProvider onnxRuntime() {
        return new CudaProvider() {
            @Override
            public boolean offered() {
                return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
            }

            @Override
            public void append(OrtSession.SessionOptions options, int deviceId) throws OrtException {
                options.addCUDA(deviceId);
            }
        };
    }
}
