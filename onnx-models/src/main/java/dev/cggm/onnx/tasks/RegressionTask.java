package dev.cggm.onnx.tasks;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

/**
 * Regression (CMU-MOSI sentiment): one real value per sample, [batch, 1] out, L1 loss, the
 * reference's MAE / correlation / Acc-2 / Acc-7 / F1, best model by MAE; a modality agrees where
 * the signs of prediction and target agree (the reference's binary accuracy).
 */
final class RegressionTask implements Task {
    @Override
    public String id() {
        return "regression";
    }

    @Override
    public TensorType targetType(Dim batch, DType floatType, Dim... spatial) {
        if (spatial.length != 0) {
            throw new IllegalArgumentException("regression targets are one value per sample, not a map");
        }
        return TensorType.of(floatType, batch, Dim.of(1));
    }

    @Override
    public int outputDim(int numClasses) {
        return 1;
    }

    @Override
    public Value loss(GraphBuilder b, Value output, Value target) {
        return b.l1Loss(output, target);
    }

    @Override
    public double agreement(float[] output, int outputDim, Targets targets) {
        int n = targets.rows();
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += (output[i * outputDim] > 0) == (targets.value(i) > 0) ? 1 : 0;
        }
        return n == 0 ? 0 : correct / (double) n;
    }

    @Override
    public TaskMetrics evaluate(float[] outputs, int outputDim, Targets targets) {
        int n = targets.rows();
        float[] predicted = new float[n];
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            predicted[i] = outputs[i * outputDim];
            values[i] = targets.value(i);
        }
        return RegressionMetrics.of(predicted, values);
    }

    @Override
    public void check(Targets targets, int numClasses, String[] ids, String split) {
        if (targets.dtype() != DType.FLOAT || targets.valuesPerSample() != 1) {
            throw new IllegalArgumentException("the " + split + " split holds " + targets.dtype().name().toLowerCase()
                    + " targets of shape " + java.util.Arrays.toString(targets.perSampleShape())
                    + "; regression needs one float value per sample");
        }
        for (int row = 0; row < targets.rows(); row++) {
            if (!Float.isFinite(targets.value(row))) {
                throw new IllegalArgumentException("sample '" + ids[row] + "' of the " + split
                        + " split has a non-finite target " + targets.value(row));
            }
        }
    }

    @Override
    public String scoreMetric() {
        return "mae";
    }

    @Override
    public String toString() {
        return id();
    }
}
