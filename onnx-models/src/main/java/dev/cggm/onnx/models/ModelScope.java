package dev.cggm.onnx.models;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What layers need while a model is written: the graph builder, the float type, the parameter
 * registry (parameters become graph inputs, initialised from one seeded generator in declaration
 * order) and dropout (on in training graphs, masks as graph inputs).
 */
public final class ModelScope {
    private final GraphBuilder b;
    private final DType dtype;
    private final boolean dropout;
    private final Random initRng;
    private final List<DropoutMask> masks = new ArrayList<>();
    private final Map<String, ParameterSpec> parameters = new LinkedHashMap<>();

    /**
     * @param dtype   FLOAT for real models; DOUBLE for gradient checks
     * @param dropout whether Dropout nodes are emitted (training graphs)
     * @param seed    seeds the initial values
     */
    public ModelScope(GraphBuilder b, DType dtype, boolean dropout, long seed) {
        this.b = b;
        this.dtype = dtype;
        this.dropout = dropout;
        this.initRng = new Random(seed);
    }

    public GraphBuilder b() {
        return b;
    }

    public DType dtype() {
        return dtype;
    }

    /** Declares a parameter as a graph input and draws its initial values. */
    public Value parameter(String name, String group, Init init, long... shape) {
        if (parameters.containsKey(name)) {
            throw new GraphException("parameter '" + name + "' is declared twice");
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[(int) n];
        init.fill(values, shape, initRng);
        parameters.put(name, new ParameterSpec(name, shape.clone(), group, values));
        return b.input(name, TensorType.of(dtype, shape));
    }

    /**
     * Inverted dropout, x·mask/(1−p), with the mask a bool graph input named
     * {@code <scope>/dropout_mask} of x's shape (see {@link DropoutMask}); {@code x} itself when
     * dropout is off or the rate is 0. Masks come from the caller, not from ONNX Runtime's
     * Dropout kernel: that kernel draws them with an internal generator whose state cannot be
     * saved (no exact resume, no parity checks with dropout on) and is single-threaded.
     */
    public Value dropout(Value x, double ratio) {
        if (!dropout || ratio <= 0) {
            return x;
        }
        // x · (mask·s): the scaled float mask is made once and reused by the backward Mul
        Value keep = b.scale(b.cast(declareMask(x, ratio), x.dtype()), 1.0 / (1.0 - ratio));
        return b.mul(x, keep);
    }

    /** A masked value and the scale 1/(1−p) still to apply (folded into a later, smaller tensor by the caller). */
    public record Masked(Value value, double scale) {
    }

    /** Dropout without the 1/(1−p) scaling, for callers that apply it to a smaller tensor downstream. */
    public Masked dropoutUnscaled(Value x, double ratio) {
        if (!dropout || ratio <= 0) {
            return new Masked(x, 1.0);
        }
        // Mul by the cast mask rather than Where: ONNX Runtime's Where is ~3x slower on large tensors
        return new Masked(b.mul(x, b.cast(declareMask(x, ratio), x.dtype())), 1.0 / (1.0 - ratio));
    }

    private Value declareMask(Value x, double ratio) {
        Value mask = b.input(b.uniqueName("dropout_mask"), x.type().withDtype(DType.BOOL));
        masks.add(new DropoutMask(mask.name(), mask.type(), ratio));
        return mask;
    }

    /** Dropout masks declared so far, in order. */
    public List<DropoutMask> dropoutMasks() {
        return Collections.unmodifiableList(masks);
    }

    /** Parameters in declaration order. */
    public List<ParameterSpec> parameters() {
        return Collections.unmodifiableList(new ArrayList<>(parameters.values()));
    }
}
