package dev.cggm.onnx.models;

import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.onnx.testing.TorchParity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The modality-heads architecture: finite differences, PyTorch parity, the mixture output and loss, roles. */
class ModalityHeadsTest {
    static final List<Modality> TWO = LateFusionTest.TWO;
    static final List<Modality> THREE = LateFusionTest.THREE;

    static ModalityHeadsConfig config(List<Modality> mods) {
        return new ModalityHeadsConfig(mods, Tasks.CLASSIFICATION, 3, 8, 6, 4);
    }

    @ParameterizedTest(name = "{0} modalities")
    @ValueSource(ints = {1, 2, 3})
    void gradientsMatchFiniteDifferences(int modalities) throws Exception {
        List<Modality> mods = modalities == 1 ? TWO.subList(0, 1) : modalities == 2 ? TWO : THREE;
        ArchitectureGradients.check(config(mods), GraphExtension.NONE, 4, 4, 1e-5);
    }

    @ParameterizedTest(name = "{0} modalities")
    @ValueSource(ints = {2, 3})
    void trainingStepMatchesPyTorch(int modalities, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        Path dir = tmp.resolve("artifacts");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny", config(modalities == 2 ? TWO : THREE), 11, false);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, 5, 5);
        double w = 0.9;
        for (LossTerm t : manifest.lossTerms()) {
            inputs.put(ModelIO.lossWeight(t.name()), HostTensor.of(new float[] {(float) w}));
            w -= 0.2;
        }
        TorchParity.check(dir, inputs, "modality_heads_reference.py", 1e-4, tmp);
    }

    @Test
    void outputIsTheMeanOfTheHeadsSoftmaxAndTheLossItsLikelihood(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny", config(THREE), 3, false);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, 6, 2);
        SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT))
                .forEach((k, v) -> inputs.put(k, HostTensor.of(v.data(), v.shape())));
        Map<String, HostTensor> out;
        try (OrtModel m = OrtModel.load(Files.readAllBytes(dir.resolve(TrainingArtifacts.EVAL_MODEL)))) {
            out = m.run(inputs);
        }
        double[] fused = out.get(ModelIO.OUTPUT).toDoubles();
        long[] labels = inputs.get(ModelIO.LABEL).longs();
        double[] mixture = new double[fused.length];
        for (String mod : List.of("text", "audio", "vision")) {
            double[] z = out.get(ModelIO.unimodalOutput(mod)).toDoubles();
            for (int i = 0; i < labels.length; i++) {
                double max = Math.max(z[3 * i], Math.max(z[3 * i + 1], z[3 * i + 2]));
                double sum = 0;
                for (int c = 0; c < 3; c++) {
                    sum += Math.exp(z[3 * i + c] - max);
                }
                for (int c = 0; c < 3; c++) {
                    mixture[3 * i + c] += Math.exp(z[3 * i + c] - max) / sum / 3;
                }
            }
        }
        double nll = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(mixture[3 * i + c], fused[3 * i + c], 1e-6, "p[" + i + "," + c + "]");
            }
            nll -= Math.log(mixture[3 * i + (int) labels[i]]) / labels.length;
        }
        assertEquals(nll, out.get(ModelIO.LOSS).item(), 1e-5);

        // roles: an encoder layer and three head layers per modality, inputs of the right widths
        for (String mod : List.of("text", "audio", "vision")) {
            List<LayerSpec> head = manifest.layers().stream()
                    .filter(l -> l.role() == LayerRole.HEAD && mod.equals(l.modality())).toList();
            assertEquals(List.of("heads." + mod + ".0", "heads." + mod + ".2", "heads." + mod + ".3"),
                    head.stream().map(LayerSpec::name).toList());
            assertEquals(List.of(8, 6, 4), head.stream().map(LayerSpec::inFeatures).toList());
            assertEquals(1, manifest.layers().stream()
                    .filter(l -> l.role() == LayerRole.ENCODER && mod.equals(l.modality())).count());
            assertTrue(manifest.parameters().stream().anyMatch(p -> p.name().equals("heads." + mod + ".3.weight")
                    && p.group().equals("head/" + mod)));
        }
        assertTrue(manifest.lossTerms().stream().anyMatch(t -> t.name().equals("unimodal_loss/audio") && t.defaultWeight() == 0));
    }

    @Test
    void artifactsPassTheirCheck(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("a");
        TrainingArtifacts.write(dir, "tiny", config(TWO), 3, false);
        ArtifactCheck.Report r = ArtifactCheck.verify(dir, 4, 1);
        assertTrue(r.inferenceMatchesEval());
    }

    @Test
    void regressionUnknownPresetsAndTheFaithfulProjectionAreRefused() {
        ModalityHeads a = new ModalityHeads();
        var r = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("tiny", TWO, Tasks.REGRESSION, 1)));
        assertTrue(r.getMessage().contains("needs a classification task, not regression"), r.getMessage());
        var p = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("mosi", TWO, Tasks.CLASSIFICATION, 3)));
        assertTrue(p.getMessage().contains("unknown preset 'mosi'"), p.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("tiny", TWO, Tasks.CLASSIFICATION, 3, List.of(), true)));
        assertTrue(f.getMessage().contains("cggm-reference"), f.getMessage());
        assertEquals(List.of("text", "image"), a.configure(new ModelRequest("tiny", TWO, Tasks.CLASSIFICATION, 3,
                List.of("text", "image"), false)).modalityNames());
        assertTrue(Architectures.ids().contains(ModalityHeads.ID));
    }
}
