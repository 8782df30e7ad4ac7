package dev.cggm.server;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.api.v1.Prediction;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.ModelRunner;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.BatchFeeder;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.run.RunDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A finished run's model applied to a split of a feature set, the way the trainer evaluates it:
 * the run's eval model ({@code artifacts/eval_model.onnx}, no dropout) fed the best epoch's
 * parameters, batch by batch through the trainer's own {@link BatchFeeder} and
 * {@link ModelRunner}. The exported inference model must give the same outputs; this is what a
 * client compares its runtime against.
 */
final class Predictor {
    private Predictor() {
    }

    static List<Prediction> predict(Path runDir, Path features, String split, BooleanSupplier cancelled)
            throws IOException, OrtException {
        RunDirectory run = RunDirectory.open(runDir);
        TrainConfig cfg = run.readConfig();
        ArtifactManifest manifest = ArtifactManifest.read(run.artifacts());
        // the best epoch's parameters, as Trainer.finish exports them (the final ones if no epoch was best)
        Map<String, SafeTensors.Entry> values = Files.isRegularFile(run.bestParameters())
                ? SafeTensors.read(run.bestParameters()) : new Trainer.Inspector(runDir).latestParameters();
        ParameterSet params = ParameterSet.create(manifest, values);
        DeviceSessions sessions = cfg.sessions();
        try (InMemoryFeatureData store = FeatureStoreData.load(features);
             ModelRunner runner = new ModelRunner(run.artifacts(), manifest, params, sessions)) {
            FeatureData data = store.select(cfg.data().modalities());
            checkFits(data, manifest);
            FeatureSplit rows = switch (split) {
                case "train" -> data.train();
                case "validation" -> data.validation();
                default -> data.test();
            };
            int batchSize = cfg.loop().batchSize();
            int outputDim = manifest.config().outputDim();
            BatchFeeder feeder = new BatchFeeder(OrtEnvironment.getEnvironment(), data.modalities(), batchSize);
            List<Prediction> out = new ArrayList<>(rows.size());
            for (int start = 0; start < rows.size(); start += batchSize) {
                if (cancelled.getAsBoolean()) {
                    return out;
                }
                int[] idx = new int[Math.min(batchSize, rows.size() - start)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = start + i;
                }
                try (BatchFeeder.Batch batch = feeder.assemble(rows, idx)) {
                    float[] o = runner.evaluate(batch.tensors(), Map.of()).output();
                    var targets = batch.targets();
                    boolean classes = targets.dtype() == dev.cggm.onnx.graph.DType.INT64 && targets.valuesPerSample() == 1;
                    for (int i = 0; i < idx.length; i++) {
                        Prediction.Builder p = Prediction.newBuilder().setSampleId(rows.id(idx[i]));
                        if (classes) {
                            p.setLabel(targets.label(i));
                        }
                        for (int k = 0; k < outputDim; k++) {
                            p.addOutput(o[i * outputDim + k]);
                        }
                        out.add(p.build());
                    }
                }
            }
            return out;
        }
    }

    /** The features must have the modalities (names and shapes) and classes the run trained on. */
    private static void checkFits(FeatureData data, ArtifactManifest manifest) {
        var model = manifest.config();
        List<String> want = new ArrayList<>();
        for (Modality m : model.modalities()) {
            want.add(m.name() + " [" + m.seqLen() + ", " + m.inputDim() + "]");
        }
        List<String> have = new ArrayList<>();
        for (ModalityShape m : data.modalities()) {
            have.add(m.name() + " [" + m.seqLen() + ", " + m.dim() + "]");
        }
        if (!want.stream().sorted().toList().equals(have.stream().sorted().toList())) {
            throw new IllegalArgumentException("features: the feature set has modalities " + have
                    + " but the run's model takes " + want);
        }
        if (data.numClasses() != model.outputDim()) {
            throw new IllegalArgumentException("features: the feature set has " + data.numClasses()
                    + " classes but the run's model " + model.outputDim());
        }
    }
}
