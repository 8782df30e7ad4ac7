package dev.cggm.train;

import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;

import java.util.ArrayList;
import java.util.List;

/** Checks a feature set before any work starts, with errors that name the split and sample. */
final class DataChecks {
    private DataChecks() {
    }

    static void check(FeatureData data) {
        for (FeatureSplit split : List.of(data.train(), data.validation(), data.test())) {
            if (split.size() == 0) {
                throw new IllegalArgumentException("the " + split.name() + " split of " + data.describe()
                        + " is empty; training needs train, validation and test samples");
            }
            String[] ids = new String[split.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = split.id(i);
            }
            data.task().check(split.targets(), data.numClasses(), ids, split.name());
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
