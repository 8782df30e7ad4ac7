package dev.cggm.onnx.tasks;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

/**
 * Classification: one class index per sample (int64), class scores [batch, C] out, softmax
 * cross-entropy, accuracy and macro/weighted F1, best model by accuracy; a modality agrees where
 * its argmax is the label.
 */
final class ClassificationTask implements Task {
    @Override
    public String id() {
        return "classification";
    }

    @Override
    public TensorType targetType(Dim batch, DType floatType, Dim... spatial) {
        if (spatial.length != 0) {
            throw new IllegalArgumentException("classification targets are one class index per sample, not a map");
        }
        return TensorType.of(DType.INT64, batch);
    }

    @Override
    public int outputDim(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, got " + numClasses);
        }
        return numClasses;
    }

    @Override
    public Value loss(GraphBuilder b, Value output, Value target) {
        return b.softmaxCrossEntropy(output, target, null);
    }

    @Override
    public double agreement(float[] output, int outputDim, Targets targets) {
        int n = targets.rows();
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += argmax(output, i * outputDim, outputDim) == targets.label(i) ? 1 : 0;
        }
        return n == 0 ? 0 : correct / (double) n;
    }

    @Override
    public TaskMetrics evaluate(float[] outputs, int outputDim, Targets targets) {
        int n = targets.rows();
        int[] predicted = new int[n];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            predicted[i] = argmax(outputs, i * outputDim, outputDim);
            labels[i] = targets.label(i);
        }
        return ClassificationMetrics.of(predicted, labels);
    }

    @Override
    public void check(Targets targets, int numClasses, String[] ids, String split) {
        if (targets.dtype() != DType.INT64 || targets.valuesPerSample() != 1) {
            throw new IllegalArgumentException("the " + split + " split holds " + targets.dtype().name().toLowerCase()
                    + " targets of shape " + java.util.Arrays.toString(targets.perSampleShape())
                    + "; classification needs one class index per sample");
        }
        for (int row = 0; row < targets.rows(); row++) {
            long y = targets.label(row);
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException("sample '" + ids[row] + "' of the " + split + " split has label " + y
                        + ", outside the " + numClasses + " classes 0.." + (numClasses - 1));
            }
        }
    }

    @Override
    public String scoreMetric() {
        return "acc";
    }

    /** Index of the largest of {@code n} values from {@code offset} (the first on ties, as numpy). */
    static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int c = 1; c < n; c++) {
            if (v[offset + c] > v[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return id();
    }
}
