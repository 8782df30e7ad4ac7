package dev.cggm.onnx.models;

import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.onnx.testing.TorchParity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The late-fusion architecture: end-to-end finite differences, PyTorch parity, roles and unimodal logits. */
class LateFusionTest {
    static final List<Modality> TWO = List.of(new Modality("image", 12, 5), new Modality("text", 10, 4));
    static final List<Modality> THREE = List.of(new Modality("text", 9, 4), new Modality("audio", 5, 3),
            new Modality("vision", 7, 2));

    static LateFusionConfig config(List<Modality> mods, Task task, int layers) {
        return new LateFusionConfig(mods, task, task == Tasks.REGRESSION ? 1 : 3, 8, 2, layers, 0.1);
    }

    @ParameterizedTest(name = "{0} modalities, {1}, {2} blocks")
    @CsvSource({"2, classification, 1", "3, classification, 0", "3, regression, 1"})
    void gradientsMatchFiniteDifferences(int modalities, String task, int layers) throws Exception {
        ArchitectureGradients.check(config(modalities == 2 ? TWO : THREE, Tasks.get(task), layers), GraphExtension.NONE,
                3, 4, 1e-5);
    }

    @ParameterizedTest(name = "{0} modalities, {1}, dropout {2}")
    @CsvSource({"2, classification, true", "3, regression, true", "3, classification, false"})
    void trainingStepMatchesPyTorch(int modalities, String task, boolean dropout, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        Path dir = tmp.resolve("artifacts");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny", config(modalities == 2 ? TWO : THREE,
                Tasks.get(task), 1), 11, dropout);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, 4, 5);
        // every loss term counts, with distinct weights
        double w = 0.9;
        for (LossTerm t : manifest.lossTerms()) {
            inputs.put(ModelIO.lossWeight(t.name()), HostTensor.of(new float[] {(float) w}));
            w -= 0.2;
        }
        TorchParity.check(dir, inputs, "late_fusion_reference.py", 1e-4, tmp);
    }

    @Test
    void unimodalLogitsAreTheHeadSlicesAndSumToTheOutput(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny", config(THREE, Tasks.CLASSIFICATION, 1), 3, false);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, 4, 2);
        Map<String, HostTensor> params = new java.util.LinkedHashMap<>();
        dev.cggm.onnx.artifacts.SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT))
                .forEach((k, v) -> params.put(k, HostTensor.of(v.data(), v.shape())));
        inputs.putAll(params);
        Map<String, HostTensor> out;
        try (var m = dev.cggm.onnx.runtime.OrtModel.load(java.nio.file.Files.readAllBytes(dir.resolve(TrainingArtifacts.EVAL_MODEL)))) {
            out = m.run(inputs);
        }
        double[] fused = out.get(ModelIO.OUTPUT).toDoubles();
        double[] sum = new double[fused.length];
        for (String m : List.of("text", "audio", "vision")) {
            double[] z = out.get(ModelIO.unimodalOutput(m)).toDoubles();
            for (int i = 0; i < z.length; i++) {
                sum[i] += z[i];
            }
        }
        for (int i = 0; i < fused.length; i++) {
            assertEquals(fused[i], sum[i], 1e-5);
        }
        // roles: the head out-layer with each modality's input columns, one encoder layer per modality
        LayerSpec head = manifest.layers().stream().filter(l -> l.role() == LayerRole.HEAD_OUT).findFirst().orElseThrow();
        assertEquals(List.of(8, 16), head.inputSlices().get("audio"));
        assertEquals(3, manifest.layers().stream().filter(l -> l.role() == LayerRole.ENCODER).count());
        assertEquals(Map.of("text", "unimodal/text", "audio", "unimodal/audio", "vision", "unimodal/vision"),
                manifest.outputs().modalityOutputs());
        assertTrue(manifest.lossTerms().stream().anyMatch(t -> t.name().equals("unimodal_loss/text") && t.defaultWeight() == 0));
    }

    @Test
    void unknownPresetAndFaithfulProjectionAreRefused() {
        LateFusion a = new LateFusion();
        var e = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("brats", TWO, Tasks.CLASSIFICATION, 3)));
        assertTrue(e.getMessage().contains("unknown preset 'brats'"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("tiny", TWO, Tasks.CLASSIFICATION, 3, List.of(), true)));
        assertTrue(f.getMessage().contains("cggm-reference"), f.getMessage());
    }
}
