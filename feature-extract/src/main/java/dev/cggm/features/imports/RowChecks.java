package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Checks a row against what the store promises: every feature value finite, the target finite
 * (and within its documented range), class indices among the classes. A failing row is a bad
 * entry, listed in the manifest like a bad image.
 */
final class RowChecks {
    private final StoreManifest.TaskInfo task;
    private final int classes;
    private final List<StoreManifest.ModalityInfo> modalities;

    RowChecks(StoreManifest.TaskInfo task, int classes, List<StoreManifest.ModalityInfo> modalities) {
        this.task = task;
        this.classes = classes;
        this.modalities = modalities;
    }

    /** @param file the input file named in the bad-entry report */
    void check(FeatureRow row, Path file) throws BadSampleException {
        for (StoreManifest.ModalityInfo m : modalities) {
            float[] v = row.features().get(m.name());
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new BadSampleException(row.id(), file, "non-finite value (" + v[i] + ") in " + m.name()
                            + " at " + position(m, i));
                }
            }
        }
        if (!(row.target() instanceof Number n)) {
            return; // shaped targets are checked by their source
        }
        if (task.isClassification()) {
            long y = n.longValue();
            if (y < 0 || y >= classes) {
                throw new BadSampleException(row.id(), file, "label " + y + " outside the " + classes + " classes 0.."
                        + (classes - 1));
            }
            return;
        }
        double y = n.doubleValue();
        if (!Double.isFinite(y)) {
            throw new BadSampleException(row.id(), file, "non-finite target (" + y + ")");
        }
        List<Double> range = task.target().range();
        if (range != null && (y < range.get(0) || y > range.get(1))) {
            throw new BadSampleException(row.id(), file, String.format(Locale.ROOT,
                    "target %s outside its range [%s, %s]", y, range.get(0), range.get(1)));
        }
    }

    private static String position(StoreManifest.ModalityInfo m, int flat) {
        if (m.shape().size() == 1) {
            return "[" + flat + "]";
        }
        return "[" + flat / m.featureWidth() + ", " + flat % m.featureWidth() + "]";
    }
}
