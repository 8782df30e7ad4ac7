package dev.cggm.spark;

import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Everything an executor needs besides its shard: where the store is, the encoders by name and
 * the settings that make their features, and the manifest the driver wrote (its modalities are
 * checked against what the executor opened).
 *
 * @param store               store directory, as the executors see it (a shared file system)
 * @param manifestJson        the store's manifest as the driver made it
 * @param indexFiles          per split, the file listing its samples (named in bad-sample messages)
 * @param device              {@code auto}, {@code cpu}, {@code cuda} (the GPU Spark assigned the task,
 *                            else 0) or {@code cuda:N}
 * @param threads             ONNX Runtime intra-op threads per session (0 = all cores)
 * @param failFirstAttemptOf  tests only: {@code split/index} of a shard whose first attempt fails after
 *                            its first record batch is written (null: none)
 */
record ExecutorJob(String store, String manifestJson, EncoderChoice encoders, int maxLength, Pooling textPooling,
                   Pooling imagePooling, Precision precision, int batchSize, int threads, String device, boolean strict,
                   List<String> labels, Map<String, String> indexFiles, String failFirstAttemptOf)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Identifies the sessions this job needs: equal keys share one encoder set per executor JVM. */
    String encoderKey() {
        EncoderChoice e = encoders;
        return String.join("|", e.text(), String.valueOf(e.tokenizer()), e.image(), String.valueOf(e.preprocessorConfig()),
                String.valueOf(e.imageSize()), Arrays.toString(e.imageMean()), Arrays.toString(e.imageStd()),
                Integer.toString(maxLength), textPooling.id(), imagePooling.id(), precision.id(), Integer.toString(threads),
                device);
    }
}
