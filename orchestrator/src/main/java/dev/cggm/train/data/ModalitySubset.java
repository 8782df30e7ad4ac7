package dev.cggm.train.data;

import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Task;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/** A feature set seen through some of its modalities ({@link FeatureData#select}). */
final class ModalitySubset implements FeatureData {
    private final FeatureData data;
    private final List<ModalityShape> shapes;
    private final Split train;
    private final Split validation;
    private final Split test;

    ModalitySubset(FeatureData data, List<String> names) {
        this.data = data;
        List<String> have = data.modalities().stream().map(ModalityShape::name).toList();
        List<ModalityShape> s = new ArrayList<>();
        for (String n : names) {
            int i = have.indexOf(n);
            if (i < 0) {
                throw new IllegalArgumentException("the features have no modality '" + n + "'; they have " + have);
            }
            s.add(data.modalities().get(i));
        }
        this.shapes = List.copyOf(s);
        this.train = new Split(data.train());
        this.validation = new Split(data.validation());
        this.test = new Split(data.test());
    }

    private final class Split implements FeatureSplit {
        private final FeatureSplit split;

        Split(FeatureSplit split) {
            this.split = split;
        }

        @Override
        public String name() {
            return split.name();
        }

        @Override
        public int size() {
            return split.size();
        }

        @Override
        public List<ModalityShape> modalities() {
            return shapes;
        }

        @Override
        public void gather(String modality, int[] rows, FloatBuffer dst) {
            split.gather(modality, rows, dst);
        }

        @Override
        public Targets targets() {
            return split.targets();
        }

        @Override
        public String id(int row) {
            return split.id(row);
        }
    }

    @Override
    public Task task() {
        return data.task();
    }

    @Override
    public int numClasses() {
        return data.numClasses();
    }

    @Override
    public List<String> labelNames() {
        return data.labelNames();
    }

    @Override
    public List<ModalityShape> modalities() {
        return shapes;
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
        return data.describe() + " (modalities " + shapes.stream().map(ModalityShape::name).toList() + ")";
    }
}
