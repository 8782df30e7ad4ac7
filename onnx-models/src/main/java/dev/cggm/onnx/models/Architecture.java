package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.Tasks;

import java.util.Set;

/**
 * A model architecture, found by id in {@link Architectures}: it fits a preset's sizes to the
 * data ({@link #configure}) and writes the forward graph ({@link #build}) — data and parameters
 * in; the fused output, the task loss, each modality's own output and the loss terms out — with
 * the {@linkplain LayerSpec roles} of its layers, so that balancing methods find the encoder of
 * a modality, the head's output layer or an auxiliary classifier without matching parameter
 * names. One class per architecture.
 */
public interface Architecture {
    /** The id in configurations and {@code artifacts.json} ({@code cggm-reference}, {@code late-fusion}, …). */
    String id();

    /** One line for listings. */
    String summary();

    /** What the graphs of this architecture offer to methods. */
    Set<ModelFeature> features();

    /**
     * The tasks it can learn (by default those with one target per sample: classification and
     * regression); training another task on it is refused before anything is built.
     */
    default Set<Task> tasks() {
        return Set.of(Tasks.CLASSIFICATION, Tasks.REGRESSION);
    }

    /** The configuration type written to (and read from) {@code artifacts.json}'s {@code model} section. */
    Class<? extends ArchitectureConfig> configType();

    /**
     * This architecture sized by a preset and fitted to the data: modalities (names, widths,
     * lengths, in the order the model uses them), task and classes. A preset it does not know, a
     * number of modalities it cannot take or an option it does not support is an error saying so.
     */
    ArchitectureConfig configure(ModelRequest request);

    /**
     * Writes the forward graph of {@code config}.
     *
     * @param dtype   FLOAT for real models, DOUBLE for gradient checks
     * @param dropout emit dropout (masks as graph inputs); only for training graphs
     * @param seed    seeds the initial parameter values
     */
    ModelGraph build(ArchitectureConfig config, ModelGraph.Variant variant, DType dtype, boolean dropout, long seed);
}
