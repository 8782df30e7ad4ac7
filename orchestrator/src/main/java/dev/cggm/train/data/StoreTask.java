package dev.cggm.train.data;

import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.Tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * What a feature store's manifest says a model trains for: the task (by the manifest's task id,
 * looked up in {@link Tasks}), the number of classes, the modality shapes, and how the target
 * column becomes a {@link Targets} tensor.
 *
 * @param task       the task
 * @param numClasses classes of a class-valued target; 1 for regression
 * @param labelNames class names (empty for regression)
 * @param modalities per-sample shapes in store order
 */
public record StoreTask(Task task, int numClasses, List<String> labelNames, List<ModalityShape> modalities) {
    /** Reads the task, classes and shapes of a manifest; an unknown task is an error naming the known ones. */
    public static StoreTask of(StoreManifest m) {
        Task task = Tasks.get(m.task().type());
        int classes = m.task().isRegression() ? 1 : m.labelNames().size();
        List<ModalityShape> shapes = new ArrayList<>();
        for (StoreManifest.ModalityInfo info : m.modalities()) {
            shapes.add(new ModalityShape(info.name(), info.sequenceLength(), info.featureWidth()));
        }
        return new StoreTask(task, classes, m.labelNames(), shapes);
    }

    /**
     * The target tensor of {@code rows} samples from a buffer filled by
     * {@link dev.cggm.features.store.FeatureBatch#copyTargets}: class indices, values
     * (per sample {@code [1]}) or label maps of the target's per-sample shape.
     */
    static Targets targets(StoreManifest.TargetInfo target, Object values) {
        if (target.isScalar()) {
            return values instanceof float[] f ? Targets.values(f) : Targets.classes((long[]) values);
        }
        long[] shape = target.shape().stream().mapToLong(Integer::longValue).toArray();
        return Targets.of(values, shape);
    }

    /** A buffer for {@code rows} samples' target values, of the type {@code copyTargets} fills. */
    static Object targetBuffer(StoreManifest.TargetInfo target, int rows) {
        long n = (long) rows * target.width();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("targets of " + rows + " samples of shape " + target.shape()
                    + " are too large to train from memory");
        }
        return target.type() == dev.cggm.features.store.TargetType.FLOAT32 ? new float[(int) n] : new long[(int) n];
    }
}
