package dev.cggm.onnx.tasks;

import java.util.Map;

/** A task's figures for one evaluated split. */
public interface TaskMetrics {
    /** Every metric by name, in a stable order ({@code acc}, {@code f1_macro}, … or {@code mae}, {@code corr}, …). */
    Map<String, Double> values();

    /** The selection score: higher is better (accuracy; −MAE for regression). */
    double score();

    /** A split's metrics built batch by batch ({@link Task#accumulator}). */
    interface Accumulator {
        /** The outputs of {@code rows} consecutive samples from row {@code firstRow} (row-major). */
        void add(int firstRow, float[] outputs, int rows);

        TaskMetrics result();
    }

    /** Gathers every batch's outputs, then evaluates the whole split at once (tasks whose metrics need all of it). */
    final class Gathered implements Accumulator {
        private final Task task;
        private final int outputDim;
        private final Targets targets;
        private float[] all;

        Gathered(Task task, int outputDim, Targets targets) {
            this.task = task;
            this.outputDim = outputDim;
            this.targets = targets;
        }

        @Override
        public void add(int firstRow, float[] outputs, int rows) {
            if (rows == 0) {
                return;
            }
            int per = outputs.length / rows;
            if (all == null) {
                all = new float[Math.multiplyExact(per, targets.rows())];
            }
            System.arraycopy(outputs, 0, all, firstRow * per, outputs.length);
        }

        @Override
        public TaskMetrics result() {
            return task.evaluate(all == null ? new float[0] : all, outputDim, targets);
        }
    }
}
