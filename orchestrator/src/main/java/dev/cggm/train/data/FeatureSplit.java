package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Targets;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * One split (train, validation or test) of a feature set, with random access by row so batches
 * can be drawn in any (seeded) order.
 */
public interface FeatureSplit {
    /** {@code train}, {@code validation} or {@code test}. */
    String name();

    int size();

    /** Per-sample features of each modality. */
    List<ModalityShape> modalities();

    /**
     * Copies the features of {@code rows} for one modality into {@code dst} as float32, row-major
     * [rows.length, L, D], starting at {@code dst}'s position 0.
     */
    void gather(String modality, int[] rows, FloatBuffer dst);

    /** The targets of every row, in row order (class indices, values or label maps: the task's business). */
    Targets targets();

    /** Sample id of a row (for error messages and predictions). */
    String id(int row);
}
