package dev.cggm.train.modulation;

import dev.cggm.onnx.models.Task;
import dev.cggm.train.ParameterSet;

import java.util.List;
import java.util.Map;

/**
 * What a modulation method sees of one training step, after the ONNX Runtime run and before the
 * optimizers: the batch's labels, each modality's classifier outputs, and every parameter with
 * its gradient (which it may change in place).
 *
 * @param classifierOutputs modality → classifier output, row-major [batch, outputDim]
 * @param classLabels       class indices (classification), else null
 * @param targets           target values (regression), else null
 */
public record StepView(long step, Task task, int batchSize, int outputDim, List<String> modalities,
                       Map<String, float[]> classifierOutputs, long[] classLabels, float[] targets,
                       ParameterSet params) {
}
