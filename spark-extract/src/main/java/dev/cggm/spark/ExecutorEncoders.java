package dev.cggm.spark;

import ai.onnxruntime.OrtException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.pipeline.EncoderSet;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One set of ONNX Runtime sessions per executor JVM (per distinct encoder settings), opened by the
 * first task that needs it and shared by every task the executor runs, concurrently (sessions
 * are thread-safe; each task has its own input buffers). Kept until the JVM ends — an executor's
 * lifetime — or {@link #closeAll()} (local mode, where the executor is the driver's JVM).
 */
final class ExecutorEncoders {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEncoders.class);
    private static final Map<String, EncoderSet> OPEN = new HashMap<>();

    private ExecutorEncoders() {
    }

    /**
     * The encoders of {@code job} in this JVM, opened on first use on the device chosen for the
     * task's GPUs, and checked against the driver's manifest.
     */
    static synchronized EncoderSet get(ExecutorJob job, List<String> gpuAddresses) throws OrtException {
        String key = job.encoderKey();
        EncoderSet set = OPEN.get(key);
        if (set == null) {
            set = open(job, gpuAddresses);
            OPEN.put(key, set);
        }
        return set;
    }

    private static EncoderSet open(ExecutorJob job, List<String> gpuAddresses) throws OrtException {
        ExecutionDevice device = ExecutorDevice.choose(job.device(), gpuAddresses);
        EncoderSet set;
        try {
            set = open(job, device);
        } catch (DeviceSessions.DeviceUnavailableException e) {
            if (!ExecutorDevice.mayFallBack(job.device())) {
                throw e;
            }
            LOG.warn("{}; --device auto: using the CPU", e.getMessage());
            set = open(job, ExecutionDevice.CPU);
        }
        try {
            checkSameAsDriver(job, set);
            return set;
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    private static EncoderSet open(ExecutorJob job, ExecutionDevice device) throws OrtException {
        EncoderChoice c = job.encoders();
        ImageEncoderSpec image = c.imageSpec();
        DeviceSessions devices = new DeviceSessions(device, job.threads()).spinning(false);
        return EncoderSet.open(c.textSpec(), image, c.preprocessing(image), job.maxLength(), job.textPooling(),
                job.imagePooling(), job.precision(), devices);
    }

    /** The executor must have opened exactly the models, tokenizer and preprocessing the manifest names. */
    private static void checkSameAsDriver(ExecutorJob job, EncoderSet set) {
        StoreManifest manifest = StoreManifests.parse(job.manifestJson());
        if (!manifest.modalities().equals(set.modalities())) {
            throw new FeatureException("this executor's encoders differ from the driver's (model or tokenizer files, "
                    + "their checksums, or preprocessing): driver " + manifest.modalities() + ", executor "
                    + set.modalities() + "; make the same files available at the same paths on every machine");
        }
    }

    /** Closes every set (local mode: the job's sessions are not needed after it). */
    static synchronized void closeAll() {
        for (EncoderSet s : OPEN.values()) {
            try {
                s.close();
            } catch (OrtException | RuntimeException e) {
                LOG.warn("closing encoder sessions: {}", e.getMessage());
            }
        }
        OPEN.clear();
    }
}
