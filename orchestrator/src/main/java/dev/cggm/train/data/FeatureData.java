package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Task;

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

    /**
     * The same data restricted to some of its modalities (in the given order), e.g. to train a
     * unimodal baseline; an unknown name is an error listing the data's modalities.
     */
    default FeatureData select(List<String> names) {
        if (names.isEmpty()) {
            return this;
        }
        return new ModalitySubset(this, names);
    }

    @Override
    default void close() {
    }
}
