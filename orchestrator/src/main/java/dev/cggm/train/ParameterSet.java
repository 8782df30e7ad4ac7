package dev.cggm.train;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every trainable parameter with its value and gradient in direct (off-heap) buffers. ONNX
 * Runtime reads the values and writes the gradients in place, so a training step copies no
 * parameter data between the JVM and the session.
 */
public final class ParameterSet {
    /** Group prefix of the per-modality classifiers (trained by their own optimizer). */
    public static final String CLASSIFIER_GROUP_PREFIX = "classifier/";

    /**
     * One parameter: name, shape, group, value and gradient buffers of {@code size} floats, and
     * whether any loss term depends on it (an unreached one is never updated, as PyTorch skips a
     * parameter without a gradient).
     */
    public record Param(String name, long[] shape, String group, FloatBuffer value, FloatBuffer grad, int size,
                        boolean reached) {
        public Param(String name, long[] shape, String group, FloatBuffer value, FloatBuffer grad, int size) {
            this(name, shape, group, value, grad, size, true);
        }

        public boolean isClassifier() {
            return group.startsWith(CLASSIFIER_GROUP_PREFIX);
        }
    }

    private final List<Param> all;
    private final Map<String, Param> byName = new LinkedHashMap<>();

    private ParameterSet(List<Param> all) {
        this.all = List.copyOf(all);
        for (Param p : all) {
            byName.put(p.name(), p);
        }
    }

    /** Parameters of an artifact directory, initialised from a checkpoint holding every one of them. */
    public static ParameterSet create(ArtifactManifest manifest, Map<String, SafeTensors.Entry> values) {
        List<Param> params = new ArrayList<>();
        for (ArtifactManifest.ParameterEntry e : manifest.parameters()) {
            SafeTensors.Entry v = values.get(e.name());
            long[] shape = e.shape().stream().mapToLong(Long::longValue).toArray();
            int n = 1;
            for (long d : shape) {
                n *= (int) d;
            }
            if (v == null || v.data().length != n) {
                throw new IllegalArgumentException("checkpoint has no value of " + n + " floats for parameter '" + e.name() + "'");
            }
            FloatBuffer value = direct(n);
            value.put(0, v.data());
            params.add(new Param(e.name(), shape, e.group(), value, direct(n), n, e.reached()));
        }
        return new ParameterSet(params);
    }

    static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    public List<Param> all() {
        return all;
    }

    public Param get(String name) {
        Param p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return p;
    }

    /** The fused model's parameters (everything but the classifiers). */
    public List<Param> model() {
        return all.stream().filter(p -> !p.isClassifier()).toList();
    }

    public List<Param> classifiers() {
        return all.stream().filter(Param::isClassifier).toList();
    }

    public List<Param> group(String group) {
        return all.stream().filter(p -> p.group().equals(group)).toList();
    }

    /** A copy of every value, by name (for checkpoints and the best model). */
    public Map<String, SafeTensors.Entry> snapshot() {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (Param p : all) {
            float[] v = new float[p.size()];
            p.value().get(0, v);
            out.put(p.name(), new SafeTensors.Entry(p.shape(), v));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Overwrites every value from a snapshot. */
    public void restore(Map<String, SafeTensors.Entry> values) {
        for (Param p : all) {
            SafeTensors.Entry e = values.get(p.name());
            if (e == null || e.data().length != p.size()) {
                throw new IllegalArgumentException("snapshot lacks parameter '" + p.name() + "'");
            }
            p.value().put(0, e.data());
        }
    }

    public long totalValues() {
        return all.stream().mapToLong(Param::size).sum();
    }
}
