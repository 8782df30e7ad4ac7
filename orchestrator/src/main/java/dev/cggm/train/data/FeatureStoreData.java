package dev.cggm.train.data;

import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.StoreManifest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a feature store (written by {@code cggm extract} or {@code cggm import}) for training: the
 * task, classes and modalities come from its manifest ({@link StoreTask}), the target column
 * becomes the split's {@code Targets} tensor, and each split is read once into memory so batches
 * can be drawn in any order — float32 features as floats, float16 ones
 * kept as 16-bit values and widened only when a batch is gathered. The validation split may be
 * named {@code validation}, {@code val} or {@code dev}.
 *
 * <p>Holding splits in memory bounds the dataset size by RAM (a split's modality must also fit
 * one Java array, 2³¹ values): fine for the demo, MOSI and IEMOCAP; a full Food-101 store of
 * full sequences needs a streaming reader, which this build does not have yet.
 */
public final class FeatureStoreData {
    private static final List<String> VALIDATION_NAMES = List.of("validation", "val", "dev");

    private FeatureStoreData() {
    }

    /** Reads a complete feature store; an incomplete one or a missing split is an error saying what to do. */
    public static InMemoryFeatureData load(Path dir) {
        try (FeatureStore store = FeatureStore.open(dir)) {
            StoreManifest m = store.manifest();
            if (!StoreManifest.COMPLETE.equals(m.status())) {
                throw new IllegalArgumentException("feature store " + dir + " is incomplete (status " + m.status()
                        + "); run the same ./cggm extract (or import) command again to finish it");
            }
            StoreTask task = StoreTask.of(m);
            List<ModalityShape> shapes = task.modalities();
            String val = VALIDATION_NAMES.stream().filter(n -> m.splits().containsKey(n)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("feature store " + dir + " has no validation split ("
                            + "looked for " + VALIDATION_NAMES + "; it has " + m.splits().keySet() + ")"));
            return new InMemoryFeatureData(task.task(), task.numClasses(), task.labelNames(), shapes,
                    read(store, "train", "train", shapes), read(store, val, "validation", shapes),
                    read(store, "test", "test", shapes), "feature store " + dir);
        }
    }

    private static InMemoryFeatureData.Split read(FeatureStore store, String storeSplit, String name,
                                                  List<ModalityShape> shapes) {
        if (!store.manifest().splits().containsKey(storeSplit)) {
            throw new IllegalArgumentException("feature store " + store.dir() + " has no '" + storeSplit + "' split (it has "
                    + store.manifest().splits().keySet() + ")");
        }
        long rows = store.manifest().splits().get(storeSplit).rows();
        boolean half = "float16".equals(store.manifest().precision());
        Map<String, Object> data = new LinkedHashMap<>();
        for (ModalityShape m : shapes) {
            long n = rows * m.valuesPerSample();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the " + storeSplit + " split's '" + m.name() + "' features (" + n
                        + " values) are too large to train from memory; extract pooled features (--pooling) "
                        + "or a smaller dataset");
            }
            data.put(m.name(), half ? new short[(int) n] : new float[(int) n]);
        }
        StoreManifest.TargetInfo target = store.manifest().task().target();
        Object targets = StoreTask.targetBuffer(target, (int) rows);
        String[] ids = new String[(int) rows];
        int row = 0;
        try (FeatureStore.Batches batches = store.batches(storeSplit)) {
            for (FeatureBatch b : batches) {
                int count = b.rowCount();
                for (ModalityShape m : shapes) {
                    int per = m.valuesPerSample();
                    if (half) {
                        b.halfFloats(m.name()).get((short[]) data.get(m.name()), row * per, count * per);
                    } else {
                        b.floats(m.name()).get((float[]) data.get(m.name()), row * per, count * per);
                    }
                }
                if (targets instanceof float[] f) {
                    b.copyTargets(f, row * target.width());
                } else {
                    b.copyTargets((long[]) targets, row * target.width());
                }
                for (int i = 0; i < count; i++) {
                    ids[row + i] = b.id(i);
                }
                row += count;
            }
        }
        if (row != rows) {
            throw new IllegalArgumentException("feature store " + store.dir() + ": the " + storeSplit + " split has " + row
                    + " rows in its files but " + rows + " in its manifest; re-run ./cggm extract");
        }
        return new InMemoryFeatureData.Split(name, shapes, data, StoreTask.targets(target, targets), ids);
    }
}
