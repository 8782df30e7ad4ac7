package dev.cggm.onnx.models;

/**
 * What a balancing method adds to its model's graphs while they are written: loss terms with
 * their inputs (training graphs), outputs it reads each step (unimodal logits, embeddings, a
 * layer's inputs), and its own prediction rule ({@link ModelGraph#predictWith}) that the eval
 * and exported models then use. Called once per graph (training, eval, inference); it can tell
 * them apart by {@link ModelGraph#variant()}.
 */
@FunctionalInterface
public interface GraphExtension {
    /** Adds nothing. */
    GraphExtension NONE = g -> {
    };

    void extend(ModelGraph graph);
}
