package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.Dim;

/**
 * One input modality: its name (also the name of its graph input and feature column), feature
 * width, and sequence length (0 for a symbolic length {@code <name>_len}).
 */
public record Modality(String name, int inputDim, int seqLen) {
    public Modality {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("modality name must be an identifier, got '" + name + "'");
        }
        if (inputDim <= 0 || seqLen < 0) {
            throw new IllegalArgumentException("modality '" + name + "': input dim must be > 0 and sequence length >= 0");
        }
    }

    public Dim seqDim() {
        return seqLen > 0 ? Dim.of(seqLen) : Dim.sym(name + "_len");
    }
}
