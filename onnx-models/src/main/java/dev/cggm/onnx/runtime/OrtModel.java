package dev.cggm.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX Runtime session fed with and returning {@link HostTensor}s. Tensors created for a run
 * are closed when it returns.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    private OrtModel(OrtEnvironment env, OrtSession session) {
        this.env = env;
        this.session = session;
    }

    /** A CPU session over serialized model bytes, all graph optimisations on. */
    public static OrtModel load(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return load(model, opts);
        }
    }

    public static OrtModel load(byte[] model, OrtSession.SessionOptions options) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        return new OrtModel(env, env.createSession(model, options));
    }

    public OrtSession session() {
        return session;
    }

    public Set<String> inputNames() {
        return session.getInputNames();
    }

    public Set<String> outputNames() {
        return session.getOutputNames();
    }

    /**
     * Runs the model and returns the requested outputs (all outputs when none are named). Entries
     * of {@code inputs} the model does not take are ignored, so one map can feed several models.
     */
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, String... outputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            Set<String> accepted = session.getInputNames();
            for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
                if (accepted.contains(e.getKey())) {
                    feeds.put(e.getKey(), e.getValue().toOnnx(env));
                }
            }
            Set<String> wanted = outputs.length == 0 ? session.getOutputNames() : new LinkedHashSet<>(List.of(outputs));
            try (OrtSession.Result result = session.run(feeds, wanted)) {
                Map<String, HostTensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), HostTensor.fromOnnx((OnnxTensor) e.getValue()));
                }
                return out;
            }
        } finally {
            for (OnnxTensor t : new ArrayList<>(feeds.values())) {
                t.close();
            }
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
