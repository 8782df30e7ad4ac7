package dev.cggm.train.data;

import dev.cggm.onnx.models.Task;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Features held in JVM arrays: for tests and small generated datasets. */
public final class InMemoryFeatureData implements FeatureData {
    private final Task task;
    private final int numClasses;
    private final List<String> labelNames;
    private final List<ModalityShape> modalities;
    private final Split train;
    private final Split validation;
    private final Split test;

    public InMemoryFeatureData(Task task, int numClasses, List<String> labelNames, List<ModalityShape> modalities,
                               Split train, Split validation, Split test) {
        this.task = task;
        this.numClasses = numClasses;
        this.labelNames = List.copyOf(labelNames);
        this.modalities = List.copyOf(modalities);
        this.train = train;
        this.validation = validation;
        this.test = test;
    }

    /** One split: features per modality ([rows × L × D] flat), class labels or targets, ids. */
    public static final class Split implements FeatureSplit {
        private final String name;
        private final List<ModalityShape> modalities;
        private final Map<String, float[]> features;
        private final long[] labels;
        private final float[] targets;
        private final String[] ids;

        public Split(String name, List<ModalityShape> modalities, Map<String, float[]> features, long[] labels,
                     float[] targets, String[] ids) {
            this.name = name;
            this.modalities = List.copyOf(modalities);
            this.features = new LinkedHashMap<>(features);
            this.labels = labels;
            this.targets = targets;
            this.ids = ids;
            for (ModalityShape m : modalities) {
                float[] f = features.get(m.name());
                if (f == null || f.length != (long) ids.length * m.valuesPerSample()) {
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
            float[] f = features.get(modality);
            int per = modalities.stream().filter(m -> m.name().equals(modality)).findFirst().orElseThrow().valuesPerSample();
            for (int i = 0; i < rows.length; i++) {
                dst.put(i * per, f, rows[i] * per, per);
            }
        }

        @Override
        public long classLabel(int row) {
            return labels[row];
        }

        @Override
        public float target(int row) {
            return targets[row];
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
        return "in-memory features (" + train.size() + "/" + validation.size() + "/" + test.size() + " rows)";
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
