package dev.cggm.train.data;

/** A modality's per-sample feature shape: sequence length and feature width. */
public record ModalityShape(String name, int seqLen, int dim) {
    public int valuesPerSample() {
        return seqLen * dim;
    }
}
