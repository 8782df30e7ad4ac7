package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.tasks.Task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A model's forward graph while it is being written, with the named places a balancing method
 * may build on: the target, the fused output, each modality's own output and loss, a pooled
 * embedding per modality, the inputs of the head's linear layers, and the loss terms. An
 * architecture fills it in; a {@link GraphExtension} may add terms, inputs, outputs and a
 * prediction rule; {@link #finish()} then declares the graph outputs of the artifact contract.
 *
 * <p>Taps that cost nodes (embeddings, layer inputs) are written only when asked for.
 */
public final class ModelGraph {
    /** Which of a model's graphs is being written. */
    public enum Variant {
        /** Targets in; loss terms, outputs and (after differentiation) gradients out; dropout when asked. */
        TRAINING,
        /** Targets in; loss, outputs and modality outputs out; no dropout. */
        EVAL,
        /** Data in, the prediction out; no targets, losses or auxiliary classifiers. */
        INFERENCE;

        public boolean hasTargets() {
            return this != INFERENCE;
        }
    }

    /** A graph input a method feeds (prototypes, teacher features, a mixed label, …). */
    public record MethodInput(String name, TensorType type) {
    }

    private final GraphBuilder b;
    private final ModelScope scope;
    private final Variant variant;
    private final ArchitectureConfig config;
    private final Value target;
    private Value output;
    private Value loss;
    private Value prediction;
    private final Map<String, Value> auxiliaryOutputs = new LinkedHashMap<>();
    private final Map<String, Value> auxiliaryLosses = new LinkedHashMap<>();
    private final Map<String, Value> modalityOutputs = new LinkedHashMap<>();
    private final Map<String, Value> modalityLosses = new LinkedHashMap<>();
    private final Map<String, Supplier<Value>> embeddings = new LinkedHashMap<>();
    private final Map<String, Value> embeddingCache = new LinkedHashMap<>();
    private final List<LayerSpec> layers = new ArrayList<>();
    private final Map<String, Value> layerInputs = new LinkedHashMap<>();
    private final Map<String, LossTerm> terms = new LinkedHashMap<>();
    private final Map<String, Value> termValues = new LinkedHashMap<>();
    private final List<MethodInput> methodInputs = new ArrayList<>();
    private final Map<String, Value> extraOutputs = new LinkedHashMap<>();

    /**
     * @param target the target input (null in inference graphs)
     */
    public ModelGraph(ModelScope scope, Variant variant, ArchitectureConfig config, Value target) {
        this.b = scope.b();
        this.scope = scope;
        this.variant = variant;
        this.config = config;
        this.target = target;
        if (variant.hasTargets() != (target != null)) {
            throw new GraphException("a " + variant + " graph " + (target == null ? "needs" : "has no") + " a target");
        }
    }

    // ------------------------------------------------------------------ what an architecture sets

    /** Sets the fused output (class scores or the regression value, [batch, outputDim]). */
    public void setOutput(Value fused) {
        this.output = fused;
    }

    /** Sets the task loss of the fused output (training and eval graphs). */
    public void setLoss(Value taskLoss) {
        this.loss = taskLoss;
    }

    /** A modality's auxiliary classifier: output and loss (training and eval graphs). */
    public void setAuxiliary(String modality, Value out, Value lossValue) {
        auxiliaryOutputs.put(modality, out);
        auxiliaryLosses.put(modality, lossValue);
    }

    /** A modality's own output from the model (unimodal logits, or its head) and, with targets, its loss. */
    public void setModalityOutput(String modality, Value out, Value lossValue) {
        modalityOutputs.put(modality, out);
        if (lossValue != null) {
            modalityLosses.put(modality, lossValue);
        }
    }

    /** A pooled feature of a modality, written on first use. */
    public void setEmbedding(String modality, Supplier<Value> pooled) {
        embeddings.put(modality, pooled);
    }

    /** Records a linear layer and its input value (exposed only when asked for). */
    public void addLayer(LayerSpec layer, Value input) {
        layers.add(layer);
        layerInputs.put(layer.name(), input);
    }

    /** Records a linear layer whose input is not tapped. */
    public void addLayer(LayerSpec layer) {
        layers.add(layer);
    }

    // ------------------------------------------------------------------ what anyone may read

    public GraphBuilder b() {
        return b;
    }

    public ModelScope scope() {
        return scope;
    }

    public Variant variant() {
        return variant;
    }

    public ArchitectureConfig config() {
        return config;
    }

    public Task task() {
        return config.task();
    }

    public List<String> modalities() {
        return config.modalityNames();
    }

    /** The target input ([batch] class indices or [batch, 1] values); null in inference graphs. */
    public Value target() {
        return target;
    }

    /** The fused output. */
    public Value output() {
        return output;
    }

    /** The task loss of the fused output (null in inference graphs). */
    public Value loss() {
        return loss;
    }

    public Value auxiliaryOutput(String modality) {
        return auxiliaryOutputs.get(modality);
    }

    /**
     * A modality's own output: its unimodal output from the model where the architecture has one,
     * else its auxiliary classifier's. What per-modality accuracy is measured on.
     */
    public Value modalityOutput(String modality) {
        Value v = modalityOutputs.getOrDefault(modality, auxiliaryOutputs.get(modality));
        if (v == null) {
            throw new GraphException("architecture '" + config.architecture() + "' has no output of its own for modality '"
                    + modality + "'");
        }
        return v;
    }

    /** The loss of {@link #modalityOutput} (training and eval graphs). */
    public Value modalityLoss(String modality) {
        Value v = modalityLosses.getOrDefault(modality, auxiliaryLosses.get(modality));
        if (v == null) {
            throw new GraphException("architecture '" + config.architecture() + "' has no loss of its own for modality '"
                    + modality + "'");
        }
        return v;
    }

    /** Whether the modality outputs are the model's own (true) or auxiliary classifiers (false). */
    public boolean hasUnimodalOutputs() {
        return !modalityOutputs.isEmpty();
    }

    /** The pooled feature [batch, d] of a modality (differentiable: not detached). */
    public Value embedding(String modality) {
        Value v = embeddingCache.get(modality);
        if (v == null) {
            Supplier<Value> s = embeddings.get(modality);
            if (s == null) {
                throw new GraphException("architecture '" + config.architecture() + "' has no embedding for modality '"
                        + modality + "'");
            }
            v = s.get();
            embeddingCache.put(modality, v);
        }
        return v;
    }

    public List<LayerSpec> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** The input value of a recorded linear layer. */
    public Value layerInput(String layer) {
        Value v = layerInputs.get(layer);
        if (v == null) {
            throw new GraphException("no tapped input of layer '" + layer + "' in architecture '" + config.architecture() + "'");
        }
        return v;
    }

    // ------------------------------------------------------------------ what a method may add

    /** Adds a loss term (training graphs): its gradient counts with the weight fed for it. */
    public void addLossTerm(String name, Value value, double defaultWeight) {
        if (variant != Variant.TRAINING) {
            throw new GraphException("loss terms belong to training graphs, not " + variant);
        }
        if (terms.containsKey(name)) {
            throw new GraphException("loss term '" + name + "' is added twice");
        }
        terms.put(name, new LossTerm(name, defaultWeight));
        termValues.put(name, value);
    }

    /** Declares an input the method feeds at each step. */
    public Value addMethodInput(String name, TensorType type) {
        methodInputs.add(new MethodInput(name, type));
        return b.input(name, type);
    }

    /** Makes a value an output the method reads after each run. */
    public void addOutput(Value v, String name) {
        if (extraOutputs.containsKey(name)) {
            return;
        }
        extraOutputs.put(name, v);
    }

    /** Replaces the fused output as the prediction of eval and inference graphs (a method's own rule). */
    public void predictWith(Value predictionRule) {
        this.prediction = predictionRule;
    }

    public List<LossTerm> lossTerms() {
        return List.copyOf(terms.values());
    }

    public List<MethodInput> methodInputs() {
        return Collections.unmodifiableList(methodInputs);
    }

    // ------------------------------------------------------------------ the finished graph

    /**
     * Declares the outputs of the artifact contract and returns the graph: {@code output} (the
     * prediction in eval and inference graphs, the fused output in training graphs), and with
     * targets {@code loss}, the auxiliary classifiers' outputs and losses, the modality outputs and
     * losses, every loss term and every method output.
     */
    public Graph finish() {
        if (output == null) {
            throw new GraphException("architecture '" + config.architecture() + "' set no output");
        }
        Value out = variant == Variant.TRAINING || prediction == null ? output : prediction;
        b.output(out, ModelIO.OUTPUT);
        if (variant.hasTargets()) {
            if (loss == null) {
                throw new GraphException("architecture '" + config.architecture() + "' set no task loss");
            }
            b.output(loss, ModelIO.LOSS);
            for (String m : auxiliaryOutputs.keySet()) {
                b.output(auxiliaryOutputs.get(m), ModelIO.classifierOutput(m));
                b.output(auxiliaryLosses.get(m), ModelIO.classifierLoss(m));
            }
            for (String m : modalityOutputs.keySet()) {
                b.output(modalityOutputs.get(m), ModelIO.unimodalOutput(m));
                if (modalityLosses.containsKey(m)) {
                    b.output(modalityLosses.get(m), ModelIO.unimodalLoss(m));
                }
            }
            Graph g = b.graph();
            for (var e : termValues.entrySet()) {
                if (!g.outputs().contains(e.getKey())) {
                    b.output(e.getValue(), e.getKey());
                }
            }
        }
        extraOutputs.forEach((name, v) -> {
            if (!b.graph().outputs().contains(name)) {
                b.output(v, name);
            }
        });
        return b.graph();
    }

    /** The output name under which a modality's own output appears ({@code unimodal/m} or {@code cls_output/m}). */
    public String modalityOutputName(String modality) {
        return modalityOutputs.containsKey(modality) ? ModelIO.unimodalOutput(modality) : ModelIO.classifierOutput(modality);
    }

    /** The output name of a modality's own loss. */
    public String modalityLossName(String modality) {
        return modalityLosses.containsKey(modality) ? ModelIO.unimodalLoss(modality) : ModelIO.classifierLoss(modality);
    }
}
