package dev.cggm.onnx.artifacts;

import ai.onnxruntime.OrtException;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.MaskSampler;
import dev.cggm.onnx.runtime.OrtModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Checks a training-artifact directory: all three models load in ONNX Runtime, one training step
 * yields a finite loss and a finite gradient of the right shape for every parameter, and the
 * inference model's output equals the eval model's for the same parameters and inputs.
 */
public final class ArtifactCheck {
    /** Largest tolerated |inference − eval| relative to the output's scale. */
    public static final double TOLERANCE = 1e-5;

    /** What the check found. */
    public record Report(int parameters, long parameterValues, double trainLoss, double maxGradAbs,
                         double inferenceVsEvalMaxDiff, double outputScale) {
        public boolean inferenceMatchesEval() {
            return inferenceVsEvalMaxDiff <= TOLERANCE * Math.max(1.0, outputScale);
        }
    }

    /** A failed check, saying which part failed. */
    public static final class CheckFailed extends Exception {
        public CheckFailed(String message) {
            super(message);
        }
    }

    private ArtifactCheck() {
    }

    /** Runs the check on random inputs of {@code batch} samples. */
    public static Report verify(Path dir, int batch, long seed) throws IOException, OrtException, CheckFailed {
        ArtifactManifest manifest = ArtifactManifest.read(dir);
        Map<String, SafeTensors.Entry> checkpoint = SafeTensors.read(dir.resolve(manifest.files().get("checkpoint")));
        Map<String, HostTensor> params = new LinkedHashMap<>();
        long values = 0;
        for (ArtifactManifest.ParameterEntry p : manifest.parameters()) {
            SafeTensors.Entry e = checkpoint.get(p.name());
            if (e == null) {
                throw new CheckFailed("checkpoint lacks parameter '" + p.name() + "'");
            }
            params.put(p.name(), HostTensor.of(e.data(), e.shape()));
            values += e.data().length;
        }
        Map<String, HostTensor> data = randomInputs(manifest, batch, seed);

        double trainLoss;
        double maxGrad = 0;
        try (OrtModel training = load(dir, manifest.files().get("training_model"))) {
            Map<String, HostTensor> feed = new LinkedHashMap<>(data);
            feed.putAll(params);
            Map<String, HostTensor> out = training.run(feed);
            trainLoss = out.get(manifest.outputs().loss()).item();
            if (!Double.isFinite(trainLoss)) {
                throw new CheckFailed("training model gives a non-finite loss " + trainLoss);
            }
            for (ArtifactManifest.ParameterEntry p : manifest.parameters()) {
                HostTensor g = out.get(manifest.outputs().gradientPrefix() + p.name());
                if (g == null) {
                    throw new CheckFailed("training model has no gradient output for '" + p.name() + "'");
                }
                if (!java.util.Arrays.equals(g.shape(), params.get(p.name()).shape())) {
                    throw new CheckFailed("gradient of '" + p.name() + "' has shape " + java.util.Arrays.toString(g.shape()));
                }
                for (double v : g.toDoubles()) {
                    if (!Double.isFinite(v)) {
                        throw new CheckFailed("gradient of '" + p.name() + "' is not finite");
                    }
                    maxGrad = Math.max(maxGrad, Math.abs(v));
                }
            }
        }
        double[] evalOut;
        try (OrtModel eval = load(dir, manifest.files().get("eval_model"))) {
            Map<String, HostTensor> feed = new LinkedHashMap<>(data);
            feed.putAll(params);
            evalOut = eval.run(feed, manifest.outputs().output()).get(manifest.outputs().output()).toDoubles();
        }
        double[] infOut;
        try (OrtModel inference = load(dir, manifest.files().get("inference_model"))) {
            Map<String, HostTensor> feed = new LinkedHashMap<>(data);
            feed.remove(ModelIO.LABEL);
            infOut = inference.run(feed, manifest.outputs().output()).get(manifest.outputs().output()).toDoubles();
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < evalOut.length; i++) {
            diff = Math.max(diff, Math.abs(evalOut[i] - infOut[i]));
            scale = Math.max(scale, Math.abs(evalOut[i]));
        }
        Report r = new Report(manifest.parameters().size(), values, trainLoss, maxGrad, diff, scale);
        if (!r.inferenceMatchesEval()) {
            throw new CheckFailed("inference output differs from eval output by " + diff);
        }
        return r;
    }

    private static OrtModel load(Path dir, String file) throws IOException, OrtException {
        return OrtModel.load(Files.readAllBytes(dir.resolve(file)));
    }

    /**
     * Random modality features, labels, method inputs and dropout masks shaped as the manifest
     * says (symbolic lengths become 6), and the default loss weights.
     */
    public static Map<String, HostTensor> randomInputs(ArtifactManifest manifest, int batch, long seed) {
        Random rng = new Random(seed);
        MaskSampler masks = new MaskSampler(seed);
        Map<String, HostTensor> data = new LinkedHashMap<>();
        int site = 0;
        for (ArtifactManifest.TensorSpec spec : manifest.inputs()) {
            List<Long> dims = new ArrayList<>();
            for (Object d : spec.shape()) {
                dims.add(d instanceof Number n ? n.longValue() : (ModelIO.BATCH.equals(d) ? batch : 6L));
            }
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            int n = (int) HostTensor.count(shape);
            if (ArtifactManifest.ROLE_DROPOUT_MASK.equals(spec.role())) {
                data.put(spec.name(), masks.sample(shape, spec.rate(), 0, site++));
            } else if (ArtifactManifest.ROLE_LOSS_WEIGHT.equals(spec.role())) {
                double w = manifest.lossTerms().stream().filter(t -> ModelIO.lossWeight(t.name()).equals(spec.name()))
                        .mapToDouble(LossTerm::defaultWeight).findFirst().orElse(1.0);
                data.put(spec.name(), HostTensor.of(new float[] {(float) w}));
            } else if (spec.dtype().equals("int64")) {
                long[] labels = new long[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = rng.nextInt(manifest.model().outputDim());
                }
                data.put(spec.name(), HostTensor.of(labels, shape));
            } else {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (float) rng.nextGaussian();
                }
                data.put(spec.name(), HostTensor.of(x, shape));
            }
        }
        return data;
    }
}
