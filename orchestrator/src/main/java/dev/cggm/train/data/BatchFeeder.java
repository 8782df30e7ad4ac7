package dev.cggm.train.data;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.Task;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles batches into direct buffers sized once for the largest batch: one copy from the
 * feature split per value, and ONNX Runtime tensors that wrap those buffers without copying.
 */
public final class BatchFeeder {
    private final OrtEnvironment env;
    private final Task task;
    private final List<ModalityShape> modalities;
    private final Map<String, FloatBuffer> features = new LinkedHashMap<>();
    private final LongBuffer classLabels;
    private final FloatBuffer targets;

    public BatchFeeder(OrtEnvironment env, Task task, List<ModalityShape> modalities, int maxBatch) {
        this.env = env;
        this.task = task;
        this.modalities = List.copyOf(modalities);
        for (ModalityShape m : modalities) {
            features.put(m.name(), ByteBuffer.allocateDirect(4 * maxBatch * m.valuesPerSample())
                    .order(ByteOrder.nativeOrder()).asFloatBuffer());
        }
        classLabels = ByteBuffer.allocateDirect(8 * maxBatch).order(ByteOrder.nativeOrder()).asLongBuffer();
        targets = ByteBuffer.allocateDirect(4 * maxBatch).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One assembled batch: its tensors (close them) and host copies of the labels. */
    public record Batch(int size, int[] rows, Map<String, OnnxTensor> tensors, long[] classLabels, float[] targets)
            implements AutoCloseable {
        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** Copies {@code rows} of {@code split} into the buffers and wraps them as tensors. */
    public Batch assemble(FeatureSplit split, int[] rows) throws OrtException {
        int b = rows.length;
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (ModalityShape m : modalities) {
                FloatBuffer buf = features.get(m.name());
                split.gather(m.name(), rows, buf);
                tensors.put(m.name(), OnnxTensor.createTensor(env, buf.duplicate().position(0).limit(b * m.valuesPerSample()),
                        new long[] {b, m.seqLen(), m.dim()}));
            }
            long[] labels = null;
            float[] ys = null;
            if (task == Task.CLASSIFICATION) {
                labels = new long[b];
                for (int i = 0; i < b; i++) {
                    labels[i] = split.classLabel(rows[i]);
                }
                classLabels.put(0, labels);
                tensors.put(ModelIO.LABEL, OnnxTensor.createTensor(env, classLabels.duplicate().position(0).limit(b),
                        new long[] {b}));
            } else {
                ys = new float[b];
                for (int i = 0; i < b; i++) {
                    ys[i] = split.target(rows[i]);
                }
                targets.put(0, ys);
                tensors.put(ModelIO.LABEL, OnnxTensor.createTensor(env, targets.duplicate().position(0).limit(b),
                        new long[] {b, 1}));
            }
            return new Batch(b, rows, tensors, labels, ys);
        } catch (OrtException | RuntimeException e) {
            tensors.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

}
