package dev.cggm.train.modulation;

import dev.cggm.onnx.models.Task;

/**
 * Batch accuracy of a classifier as the reference computes it: argmax accuracy for
 * classification, agreement of signs (prediction > 0 vs target > 0) for regression.
 */
public final class ClassifierAccuracy {
    private ClassifierAccuracy() {
    }

    public static double of(StepView step, float[] output) {
        return of(step.task(), output, step.outputDim(), step.classLabels(), step.targets(), step.batchSize());
    }

    public static double of(Task task, float[] output, int outputDim, long[] labels, float[] targets, int n) {
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if (task == Task.CLASSIFICATION) {
                correct += argmax(output, i * outputDim, outputDim) == labels[i] ? 1 : 0;
            } else {
                correct += (output[i] > 0) == (targets[i] > 0) ? 1 : 0;
            }
        }
        return n == 0 ? 0 : correct / (double) n;
    }

    /** Index of the largest of {@code n} values from {@code offset} (first one on ties, as numpy). */
    public static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int c = 1; c < n; c++) {
            if (v[offset + c] > v[offset + best]) {
                best = c;
            }
        }
        return best;
    }
}
