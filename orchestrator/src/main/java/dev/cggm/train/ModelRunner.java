package dev.cggm.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.method.GradientBuffers;
import dev.cggm.train.method.StepOutputs;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The training and eval models of an artifact directory in ONNX Runtime sessions, fed from a
 * {@link ParameterSet}: parameter tensors wrap the value buffers and gradients are pinned
 * outputs written into the gradient buffers, so one step is one session run with no parameter
 * or gradient copies. Every output that is not a gradient comes back as a host copy
 * ({@link StepOutputs}); the loss terms' weights are fed per run.
 */
public final class ModelRunner implements AutoCloseable {
    private final OrtEnvironment env;
    private final ArtifactManifest manifest;
    private final ParameterSet params;
    private final OrtSession training;
    private final OrtSession eval;
    private final Map<String, OnnxTensor> parameterTensors = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> gradientTensors = new LinkedHashMap<>();
    private final Set<String> trainOutputs = new LinkedHashSet<>();
    private final Set<String> evalOutputs = new LinkedHashSet<>();
    private final List<Buffers> extraGradients = new ArrayList<>();

    public ModelRunner(Path artifactDir, ArtifactManifest manifest, ParameterSet params, DeviceSessions sessions)
            throws IOException, OrtException {
        this.env = OrtEnvironment.getEnvironment();
        this.manifest = manifest;
        this.params = params;
        OrtSession t = null;
        OrtSession e = null;
        try {
            t = sessions.open(Files.readAllBytes(artifactDir.resolve(manifest.files().get("training_model"))));
            e = sessions.open(Files.readAllBytes(artifactDir.resolve(manifest.files().get("eval_model"))));
            for (ParameterSet.Param p : params.all()) {
                parameterTensors.put(p.name(), OnnxTensor.createTensor(env, p.value(), p.shape()));
                gradientTensors.put(gradientName(p), OnnxTensor.createTensor(env, p.grad(), p.shape()));
            }
        } catch (OrtException | IOException | RuntimeException ex) {
            closeTensors();
            try {
                closeAll(t, e);
            } catch (OrtException closing) {
                ex.addSuppressed(closing);
            }
            throw ex;
        }
        this.training = t;
        this.eval = e;
        String prefix = manifest.outputs().gradientPrefix();
        training.getOutputNames().stream().filter(n -> !n.startsWith(prefix)).forEach(trainOutputs::add);
        evalOutputs.addAll(eval.getOutputNames());
    }

    private String gradientName(ParameterSet.Param p) {
        return manifest.outputs().gradientPrefix() + p.name();
    }

    /**
     * One forward + backward of the training model; gradients land in the parameter set's
     * gradient buffers.
     *
     * @param lossWeights  weights of loss terms by name (terms not named take their default)
     * @param methodInputs values of the method's graph inputs
     */
    public StepOutputs trainStep(Map<String, OnnxTensor> batch, Map<String, OnnxTensor> masks,
                                 Map<String, Double> lossWeights, Map<String, OnnxTensor> methodInputs)
            throws OrtException {
        return train(batch, masks, lossWeights, methodInputs, gradientTensors);
    }

    /** As {@link #trainStep}, with the gradients written into {@code into} instead. */
    public StepOutputs trainStep(Map<String, OnnxTensor> batch, Map<String, OnnxTensor> masks,
                                 Map<String, Double> lossWeights, Map<String, OnnxTensor> methodInputs,
                                 GradientBuffers into) throws OrtException {
        if (!(into instanceof Buffers b) || !extraGradients.contains(b)) {
            throw new IllegalArgumentException("gradient buffers must come from this runner's newGradientBuffers()");
        }
        return train(batch, masks, lossWeights, methodInputs, b.tensors);
    }

    private StepOutputs train(Map<String, OnnxTensor> batch, Map<String, OnnxTensor> masks,
                              Map<String, Double> lossWeights, Map<String, OnnxTensor> methodInputs,
                              Map<String, OnnxTensor> gradients) throws OrtException {
        Map<String, OnnxTensor> weights = weightTensors(lossWeights);
        try {
            Map<String, OnnxTensor> feed = new HashMap<>(batch);
            feed.putAll(masks);
            feed.putAll(weights);
            putAccepted(feed, methodInputs, training);
            feed.putAll(parameterTensors);
            try (OrtSession.Result r = training.run(feed, trainOutputs, gradients)) {
                return read(r, trainOutputs);
            }
        } finally {
            weights.values().forEach(OnnxTensor::close);
        }
    }

    /** One forward pass of the eval model (no dropout, no gradients). */
    public StepOutputs evaluate(Map<String, OnnxTensor> batch, Map<String, OnnxTensor> methodInputs) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        putAccepted(feed, batch, eval);
        putAccepted(feed, methodInputs, eval);
        feed.putAll(parameterTensors);
        try (OrtSession.Result r = eval.run(feed, evalOutputs)) {
            return read(r, evalOutputs);
        }
    }

    /** A further set of gradient buffers, pinned as the training model's gradient outputs (closed with the runner). */
    public GradientBuffers newGradientBuffers() throws OrtException {
        Buffers b = new Buffers();
        extraGradients.add(b);
        for (ParameterSet.Param p : params.all()) {
            FloatBuffer buf = ParameterSet.direct(p.size());
            b.buffers.put(p.name(), buf);
            b.tensors.put(gradientName(p), OnnxTensor.createTensor(env, buf, p.shape()));
        }
        return b;
    }

    private static final class Buffers implements GradientBuffers {
        private final Map<String, FloatBuffer> buffers = new HashMap<>();
        private final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();

        @Override
        public FloatBuffer of(ParameterSet.Param p) {
            return buffers.get(p.name());
        }
    }

    private Map<String, OnnxTensor> weightTensors(Map<String, Double> lossWeights) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (LossTerm t : manifest.lossTerms()) {
                double w = lossWeights.getOrDefault(t.name(), t.defaultWeight());
                out.put(ModelIO.lossWeight(t.name()), OnnxTensor.createTensor(env, (float) w));
            }
            for (String name : lossWeights.keySet()) {
                if (manifest.lossTerms().stream().noneMatch(t -> t.name().equals(name))) {
                    throw new IllegalArgumentException("the training model has no loss term '" + name + "' (it has "
                            + manifest.lossTerms().stream().map(LossTerm::name).toList() + ")");
                }
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    private static void putAccepted(Map<String, OnnxTensor> feed, Map<String, OnnxTensor> values, OrtSession session) {
        Set<String> accepted = session.getInputNames();
        values.forEach((k, v) -> {
            if (accepted.contains(k)) {
                feed.put(k, v);
            }
        });
    }

    private StepOutputs read(OrtSession.Result r, Set<String> names) throws OrtException {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String name : names) {
            FloatBuffer buf = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
            float[] out = new float[buf.remaining()];
            buf.get(out);
            values.put(name, out);
        }
        return new StepOutputs(values, manifest.outputs().modalityOutputs(), manifest.outputs().modalityLosses());
    }

    private void closeTensors() {
        parameterTensors.values().forEach(OnnxValue::close);
        gradientTensors.values().forEach(OnnxValue::close);
        extraGradients.forEach(b -> b.tensors.values().forEach(OnnxValue::close));
    }

    private static void closeAll(OrtSession... sessions) throws OrtException {
        OrtException first = null;
        for (OrtSession s : sessions) {
            if (s != null) {
                try {
                    s.close();
                } catch (OrtException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() throws OrtException {
        closeTensors();
        closeAll(training, eval);
    }
}
