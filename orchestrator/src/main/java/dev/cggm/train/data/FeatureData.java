package dev.cggm.train.data;

import dev.cggm.onnx.models.Task;

import java.util.List;

/** A feature set ready for training: its splits, task, label names and modality shapes. */
public interface FeatureData extends AutoCloseable {
    Task task();

    /** Number of classes (1 for regression). */
    int numClasses();

    /** Class names in index order (empty for regression). */
    List<String> labelNames();

    List<ModalityShape> modalities();

    FeatureSplit train();

    FeatureSplit validation();

    FeatureSplit test();

    /** A short description for logs (path, row counts). */
    String describe();

    @Override
    default void close() {
    }
}
