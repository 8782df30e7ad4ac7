package dev.cggm.train.data;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.tasks.Targets;

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
    private final List<ModalityShape> modalities;
    private final int maxBatch;
    private final Map<String, FloatBuffer> features = new LinkedHashMap<>();
    private LongBuffer intTargets;
    private FloatBuffer floatTargets;

    public BatchFeeder(OrtEnvironment env, List<ModalityShape> modalities, int maxBatch) {
        this.env = env;
        this.modalities = List.copyOf(modalities);
        this.maxBatch = maxBatch;
        for (ModalityShape m : modalities) {
            features.put(m.name(), ByteBuffer.allocateDirect(4 * maxBatch * m.valuesPerSample())
                    .order(ByteOrder.nativeOrder()).asFloatBuffer());
        }
    }

    /**
     * One assembled batch: its tensors (close them), the rows' targets and the direct buffers
     * behind the feature tensors (a method may edit them before the run).
     */
    public record Batch(int size, int[] rows, Map<String, OnnxTensor> tensors, Targets targets,
                        Map<String, FloatBuffer> features) implements AutoCloseable {
        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Edits an assembled batch before its tensors are made (augmentation): the features in place,
     * [batch, L, D] per modality, and the targets returned (the same or new ones).
     */
    @FunctionalInterface
    public interface Transform {
        Targets apply(Map<String, FloatBuffer> features, Targets targets);
    }

    /** Copies {@code rows} of {@code split} into the buffers and wraps them as tensors. */
    public Batch assemble(FeatureSplit split, int[] rows) throws OrtException {
        return assemble(split, rows, null);
    }

    /** As {@link #assemble(FeatureSplit, int[])}, the batch passed through {@code transform} (null: none) first. */
    public Batch assemble(FeatureSplit split, int[] rows, Transform transform) throws OrtException {
        int b = rows.length;
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        Map<String, FloatBuffer> views = new LinkedHashMap<>();
        try {
            for (ModalityShape m : modalities) {
                FloatBuffer buf = features.get(m.name());
                split.gather(m.name(), rows, buf);
                views.put(m.name(), buf.duplicate().position(0).limit(b * m.valuesPerSample()));
            }
            Targets targets = split.targets().select(rows);
            if (transform != null) {
                targets = transform.apply(views, targets);
            }
            for (ModalityShape m : modalities) {
                tensors.put(m.name(), OnnxTensor.createTensor(env, views.get(m.name()), new long[] {b, m.seqLen(), m.dim()}));
            }
            tensors.put(ModelIO.LABEL, targetTensor(targets));
            return new Batch(b, rows, tensors, targets, views);
        } catch (OrtException | RuntimeException e) {
            tensors.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /** Tensors of zeros shaped like a modality's features for {@code batch} samples (close them). */
    public OnnxTensor zeros(String modality, int batch) throws OrtException {
        ModalityShape m = modalities.stream().filter(s -> s.name().equals(modality)).findFirst().orElseThrow();
        FloatBuffer z = ByteBuffer.allocateDirect(4 * batch * m.valuesPerSample()).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        return OnnxTensor.createTensor(env, z, new long[] {batch, m.seqLen(), m.dim()});
    }

    private OnnxTensor targetTensor(Targets t) throws OrtException {
        int n = t.rows() * t.valuesPerSample();
        if (t.dtype() == DType.INT64) {
            if (intTargets == null) {
                intTargets = ByteBuffer.allocateDirect(8 * maxBatch * t.valuesPerSample()).order(ByteOrder.nativeOrder())
                        .asLongBuffer();
            }
            t.copyTo(intTargets);
            return OnnxTensor.createTensor(env, intTargets.duplicate().position(0).limit(n), t.tensorShape());
        }
        if (floatTargets == null) {
            floatTargets = ByteBuffer.allocateDirect(4 * maxBatch * t.valuesPerSample()).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
        t.copyTo(floatTargets);
        return OnnxTensor.createTensor(env, floatTargets.duplicate().position(0).limit(n), t.tensorShape());
    }
}
