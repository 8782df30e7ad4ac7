package dev.cggm.train;

import dev.cggm.onnx.models.Task;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;

import java.util.ArrayList;
import java.util.List;

/** Checks a feature set before any work starts, with errors that name the split and sample. */
final class DataChecks {
    private DataChecks() {
    }

    static void check(FeatureData data, TrainConfig cfg) {
        for (FeatureSplit split : List.of(data.train(), data.validation(), data.test())) {
            if (split.size() == 0) {
                throw new IllegalArgumentException("the " + split.name() + " split of " + data.describe()
                        + " is empty; training needs train, validation and test samples");
            }
            for (int row = 0; row < split.size(); row++) {
                if (data.task() == Task.CLASSIFICATION) {
                    long y = split.classLabel(row);
                    if (y < 0 || y >= data.numClasses()) {
                        throw new IllegalArgumentException("sample '" + split.id(row) + "' of the " + split.name()
                                + " split has label " + y + ", outside the " + data.numClasses() + " classes 0.."
                                + (data.numClasses() - 1));
                    }
                } else if (!Float.isFinite(split.target(row))) {
                    throw new IllegalArgumentException("sample '" + split.id(row) + "' of the " + split.name()
                            + " split has a non-finite target " + split.target(row));
                }
            }
        }
        if (cfg.batchSize() > 100_000) {
            throw new IllegalArgumentException("--batch-size " + cfg.batchSize() + " is implausibly large");
        }
    }

    /** A few sample ids of a batch, for error messages. */
    static String ids(FeatureSplit split, int[] rows) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(rows.length, 5); i++) {
            ids.add(split.id(rows[i]));
        }
        return String.join(", ", ids) + (rows.length > 5 ? ", …" : "");
    }
}
