package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LateFusionConfig;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The late-fusion architecture at test size (features of width 8, 3 classes) with a method's
 * graph additions, written as real training artifacts: its parameters and roles for driving a
 * method with chosen gradients, and runs of its eval model in ONNX Runtime.
 */
final class TinyLateFusion {
    static final int CLASSES = 3;
    static final int WIDTH = 8;
    static final List<Modality> TWO = List.of(new Modality("image", 12, 5), new Modality("text", 10, 4));
    static final List<Modality> THREE = List.of(new Modality("text", 9, 4), new Modality("audio", 5, 3),
            new Modality("vision", 7, 2));

    final Path dir;
    final ArtifactManifest manifest;
    final ParameterSet params;
    final ModelRoles roles;
    final MethodSetup setup;

    TinyLateFusion(Path dir, List<Modality> modalities, GraphExtension extension, int epochs) throws Exception {
        LateFusionConfig cfg = config(modalities);
        this.dir = dir;
        this.manifest = TrainingArtifacts.write(dir, new TrainingArtifacts.Spec("tiny", cfg, extension, 3, false));
        this.params = ParameterSet.create(manifest, SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT)));
        this.roles = new ModelRoles(manifest, params);
        this.setup = new MethodSetup(cfg, 3, epochs);
    }

    static LateFusionConfig config(List<Modality> modalities) {
        return new LateFusionConfig(modalities, Tasks.CLASSIFICATION, CLASSES, WIDTH, 2, 1, 0.1);
    }

    List<String> modalities() {
        return setup.modalities();
    }

    /** Random data of {@code batch} rows (features, labels) and the initial parameters. */
    Map<String, HostTensor> inputs(int batch, long seed) throws Exception {
        Map<String, HostTensor> in = ArtifactCheck.randomInputs(manifest, batch, seed);
        SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT)).forEach((k, v) -> in.put(k, HostTensor.of(v.data(), v.shape())));
        return in;
    }

    /** Every output of the eval model on {@code inputs} (those it does not take are left out). */
    Map<String, HostTensor> evaluate(Map<String, HostTensor> inputs) throws Exception {
        Map<String, HostTensor> in = new LinkedHashMap<>(inputs);
        try (OrtModel m = OrtModel.load(Files.readAllBytes(dir.resolve(TrainingArtifacts.EVAL_MODEL)))) {
            in.keySet().retainAll(m.inputNames());
            return m.run(in);
        }
    }

    /** A parameter's initial value. */
    float[] value(String name) {
        ParameterSet.Param p = params.get(name);
        float[] v = new float[p.size()];
        p.value().get(0, v);
        return v;
    }

    float[] grad(String name) {
        ParameterSet.Param p = params.get(name);
        float[] g = new float[p.size()];
        p.grad().get(0, g);
        return g;
    }

    /** Fills every gradient with standard normal values; returns them by parameter name. */
    Map<String, float[]> randomGradients(long seed) {
        java.util.Random rng = new java.util.Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ParameterSet.Param p : params.all()) {
            float[] g = new float[p.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rng.nextGaussian();
            }
            p.grad().put(0, g);
            out.put(p.name(), g);
        }
        return out;
    }

    /** Outputs of a step where every modality's own output is {@code logits} (labels all 0). */
    FixedStep step(long t, int batch, Map<String, float[]> extraOutputs) {
        Map<String, float[]> outs = new LinkedHashMap<>();
        for (String m : modalities()) {
            outs.put(m, new float[batch * CLASSES]);
        }
        return new FixedStep(t, Tasks.CLASSIFICATION, CLASSES, outs, dev.cggm.onnx.tasks.Targets.classes(new long[batch]),
                params, roles).withOutputs(extraOutputs);
    }

    /** The embedding output name of a modality. */
    static String embedding(String m) {
        return ModelIO.embedding(m);
    }
}
