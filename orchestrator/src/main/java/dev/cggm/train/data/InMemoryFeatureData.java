package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;
import org.apache.arrow.memory.util.Float16;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Features held in JVM arrays, with random access for shuffled batches: generated datasets,
 * tests, and feature stores loaded by {@link FeatureStoreData}. A modality's features are a
 * {@code float[]} or a {@code short[]} of IEEE half floats (widened when a batch is gathered).
 */
public final class InMemoryFeatureData implements FeatureData {
    private final Task task;
    private final int numClasses;
    private final List<String> labelNames;
    private final List<ModalityShape> modalities;
    private final Split train;
    private final Split validation;
    private final Split test;

    private final String description;

    public InMemoryFeatureData(Task task, int numClasses, List<String> labelNames, List<ModalityShape> modalities,
                               Split train, Split validation, Split test) {
        this(task, numClasses, labelNames, modalities, train, validation, test, "in-memory features");
    }

    /** With a description for messages (e.g. where the features were loaded from). */
    public InMemoryFeatureData(Task task, int numClasses, List<String> labelNames, List<ModalityShape> modalities,
                               Split train, Split validation, Split test, String description) {
        this.description = description;
        this.task = task;
        this.numClasses = numClasses;
        this.labelNames = List.copyOf(labelNames);
        this.modalities = List.copyOf(modalities);
        this.train = train;
        this.validation = validation;
        this.test = test;
    }

    /** One split: features per modality ([rows × L × D] flat), targets, ids. */
    public static final class Split implements FeatureSplit {
        private final String name;
        private final List<ModalityShape> modalities;
        private final Map<String, Object> features;
        private final Targets targets;
        private final String[] ids;

        public Split(String name, List<ModalityShape> modalities, Map<String, ?> features, Targets targets,
                     String[] ids) {
            this.name = name;
            this.modalities = List.copyOf(modalities);
            this.features = new LinkedHashMap<>(features);
            this.targets = targets;
            this.ids = ids;
            if (targets.rows() != ids.length) {
                throw new IllegalArgumentException("split " + name + ": " + targets.rows() + " targets for " + ids.length
                        + " samples");
            }
            for (ModalityShape m : modalities) {
                Object f = features.get(m.name());
                if (!(f instanceof float[] || f instanceof short[])
                        || java.lang.reflect.Array.getLength(f) != (long) ids.length * m.valuesPerSample()) {
                    throw new IllegalArgumentException("split " + name + ": features of '" + m.name()
                            + "' must hold " + ids.length + " x " + m.valuesPerSample() + " values");
                }
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int size() {
            return ids.length;
        }

        @Override
        public List<ModalityShape> modalities() {
            return modalities;
        }

        @Override
        public void gather(String modality, int[] rows, FloatBuffer dst) {
            int per = modalities.stream().filter(m -> m.name().equals(modality)).findFirst().orElseThrow().valuesPerSample();
            Object values = features.get(modality);
            if (values instanceof float[] f) {
                for (int i = 0; i < rows.length; i++) {
                    dst.put(i * per, f, rows[i] * per, per);
                }
            } else {
                short[] h = (short[]) values;
                for (int i = 0; i < rows.length; i++) {
                    int src = rows[i] * per;
                    int out = i * per;
                    for (int k = 0; k < per; k++) {
                        dst.put(out + k, Float16.toFloat(h[src + k]));
                    }
                }
            }
        }

        @Override
        public Targets targets() {
            return targets;
        }

        @Override
        public String id(int row) {
            return ids[row];
        }
    }

    @Override
    public Task task() {
        return task;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public List<String> labelNames() {
        return labelNames;
    }

    @Override
    public List<ModalityShape> modalities() {
        return modalities;
    }

    @Override
    public FeatureSplit train() {
        return train;
    }

    @Override
    public FeatureSplit validation() {
        return validation;
    }

    @Override
    public FeatureSplit test() {
        return test;
    }

    @Override
    public String describe() {
        return description + " (" + train.size() + "/" + validation.size() + "/" + test.size() + " rows)";
    }

    /** Lists ids, for building splits. */
    public static String[] ids(String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(prefix + i);
        }
        return ids.toArray(String[]::new);
    }
}
