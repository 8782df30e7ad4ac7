package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.TensorType;

/**
 * A dropout site of a training graph: a bool input of the dropped tensor's shape (true = keep)
 * and its rate. Whoever runs the graph draws the mask, e.g. with
 * {@link dev.cggm.onnx.runtime.MaskSampler}; all-true masks turn dropout off.
 */
public record DropoutMask(String name, TensorType type, double rate) {
}
