package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.models.LateFusionConfig;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModelRequest;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The tiny late-fusion model (3 classes) of some modalities written as real training artifacts,
 * its parameters with random gradients and its roles: what the BalanceBenchmark methods' tests
 * drive with hand-computed outputs ({@link FixedStep}).
 */
final class LateFusionFixture {
    static final int CLASSES = 3;
    final LateFusionConfig config;
    final ArtifactManifest manifest;
    final ParameterSet params;
    final ModelRoles roles;
    final MethodSetup setup;
    private final Map<String, float[]> gradsBefore = new LinkedHashMap<>();

    LateFusionFixture(Path dir, GraphExtension extension, String... modalities) throws Exception {
        config = config(modalities);
        manifest = TrainingArtifacts.write(dir, new TrainingArtifacts.Spec("tiny", config, extension, 3, false));
        params = ParameterSet.create(manifest, SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT)));
        roles = new ModelRoles(manifest, params);
        setup = new MethodSetup(config, 3);
        Random rng = new Random(4);
        for (ParameterSet.Param p : params.all()) {
            float[] g = new float[p.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rng.nextGaussian();
            }
            p.grad().put(0, g);
            gradsBefore.put(p.name(), g);
        }
    }

    /** The tiny late-fusion configuration of these modalities (widths 4, 5, …; lengths 3, 4, …). */
    static LateFusionConfig config(String... modalities) {
        List<Modality> ms = new ArrayList<>();
        for (int i = 0; i < modalities.length; i++) {
            ms.add(new Modality(modalities[i], 4 + i, 3 + i));
        }
        return new LateFusion().configure(new ModelRequest("tiny", ms, Tasks.CLASSIFICATION, CLASSES));
    }

    /** What a method of a run on these modalities is created with. */
    static MethodSetup setupOf(String... modalities) {
        return new MethodSetup(config(modalities), 3);
    }

    LateFusionFixture(Path dir, String... modalities) throws Exception {
        this(dir, GraphExtension.NONE, modalities);
    }

    /** A step whose modality outputs are the given logits, with these labels. */
    FixedStep step(long t, Map<String, float[]> modalityOutputs, long... labels) {
        return new FixedStep(t, Tasks.CLASSIFICATION, CLASSES, modalityOutputs, Targets.classes(labels), params, roles);
    }

    float[] gradBefore(String name) {
        return gradsBefore.get(name);
    }

    float[] grad(String name) {
        ParameterSet.Param p = params.get(name);
        float[] g = new float[p.size()];
        p.grad().get(0, g);
        return g;
    }

    void resetGrads() {
        for (ParameterSet.Param p : params.all()) {
            p.grad().put(0, gradsBefore.get(p.name()));
        }
    }

    /** Row-major logits whose softmax rows are the given probabilities (ln p). */
    static float[] logitsOf(double[][] probabilities) {
        float[] z = new float[probabilities.length * CLASSES];
        for (int i = 0; i < probabilities.length; i++) {
            for (int c = 0; c < CLASSES; c++) {
                z[i * CLASSES + c] = (float) Math.log(probabilities[i][c]);
            }
        }
        return z;
    }
}
