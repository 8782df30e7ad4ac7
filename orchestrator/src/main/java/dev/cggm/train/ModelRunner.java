package dev.cggm.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The training and eval models of an artifact directory in ONNX Runtime sessions, fed from a
 * {@link ParameterSet}: parameter tensors wrap the value buffers and gradients are pinned
 * outputs written into the gradient buffers, so one step is one session run with no parameter
 * or gradient copies.
 */
public final class ModelRunner implements AutoCloseable {
    private final ArtifactManifest manifest;
    private final OrtSession training;
    private final OrtSession eval;
    private final Map<String, OnnxTensor> parameterTensors = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> gradientTensors = new LinkedHashMap<>();
    private final Set<String> trainOutputs = new LinkedHashSet<>();
    private final Set<String> evalOutputs = new LinkedHashSet<>();

    /** What one training or eval run returns besides the gradients. */
    public record Outputs(double loss, float[] output, Map<String, float[]> classifierOutputs,
                          Map<String, Double> classifierLosses) {
    }

    public ModelRunner(Path artifactDir, ArtifactManifest manifest, ParameterSet params, DeviceSessions sessions)
            throws IOException, OrtException {
        this.manifest = manifest;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession t = null;
        OrtSession e = null;
        try {
            t = sessions.open(Files.readAllBytes(artifactDir.resolve(manifest.files().get("training_model"))));
            e = sessions.open(Files.readAllBytes(artifactDir.resolve(manifest.files().get("eval_model"))));
            for (ParameterSet.Param p : params.all()) {
                parameterTensors.put(p.name(), OnnxTensor.createTensor(env, p.value(), p.shape()));
                gradientTensors.put(manifest.outputs().gradientPrefix() + p.name(),
                        OnnxTensor.createTensor(env, p.grad(), p.shape()));
            }
        } catch (OrtException | IOException | RuntimeException failure) {
            // a constructor that fails half way closes what it opened: tensors, then both sessions
            closeQuietly();
            for (OrtSession opened : new OrtSession[] {e, t}) {
                if (opened != null) {
                    try {
                        opened.close();
                    } catch (OrtException | RuntimeException suppressed) {
                        failure.addSuppressed(suppressed);
                    }
                }
            }
            throw failure;
        }
        this.training = t;
        this.eval = e;
        var outs = manifest.outputs();
        for (Set<String> s : java.util.List.of(trainOutputs, evalOutputs)) {
            s.add(outs.loss());
            s.add(outs.output());
            s.addAll(outs.classifierOutputs().values());
            s.addAll(outs.classifierLosses().values());
        }
    }

    /** One forward + backward: gradients land in the parameter set's gradient buffers. */
    public Outputs trainStep(Map<String, OnnxTensor> batch, Map<String, OnnxTensor> masks) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>(batch);
        feed.putAll(masks);
        feed.putAll(parameterTensors);
        try (OrtSession.Result r = training.run(feed, trainOutputs, gradientTensors)) {
            return read(r);
        }
    }

    /** One forward pass of the eval model (no dropout, no gradients). */
    public Outputs evaluate(Map<String, OnnxTensor> batch) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>(batch);
        feed.putAll(parameterTensors);
        try (OrtSession.Result r = eval.run(feed, evalOutputs)) {
            return read(r);
        }
    }

    private Outputs read(OrtSession.Result r) throws OrtException {
        var outs = manifest.outputs();
        double loss = scalar(r, outs.loss());
        float[] output = floats(r, outs.output());
        Map<String, float[]> clsOut = new LinkedHashMap<>();
        Map<String, Double> clsLoss = new LinkedHashMap<>();
        for (String m : outs.classifierOutputs().keySet()) {
            clsOut.put(m, floats(r, outs.classifierOutputs().get(m)));
            clsLoss.put(m, scalar(r, outs.classifierLosses().get(m)));
        }
        return new Outputs(loss, output, clsOut, clsLoss);
    }

    private static double scalar(OrtSession.Result r, String name) throws OrtException {
        return ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer().get(0);
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        var buf = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[buf.remaining()];
        buf.get(out);
        return out;
    }

    private void closeQuietly() {
        parameterTensors.values().forEach(OnnxValue::close);
        gradientTensors.values().forEach(OnnxValue::close);
    }

    @Override
    public void close() throws OrtException {
        closeQuietly();
        try {
            training.close();
        } finally {
            eval.close();
        }
    }
}
