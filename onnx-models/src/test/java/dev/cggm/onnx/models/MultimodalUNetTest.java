package dev.cggm.onnx.models;

import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.onnx.testing.TorchParity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multimodal U-Net: end-to-end directional differences in float, PyTorch parity, roles, refusals. */
class MultimodalUNetTest {
    static List<Modality> images(int size, String... names) {
        return java.util.Arrays.stream(names).map(n -> new Modality(n, size, size)).toList();
    }

    static MultimodalUNetConfig config(List<Modality> mods, List<Integer> widths, int convs, double dropout) {
        return new MultimodalUNetConfig(mods, Tasks.SEGMENTATION, 4, widths, convs, 2, dropout);
    }

    /** Two modalities, three levels (two up-steps), one convolution per block. */
    static final MultimodalUNetConfig SMALL = config(images(8, "flair", "t2"), List.of(2, 3, 4), 1, 0);

    @Test
    void gradientsMatchFiniteDifferencesOfTheDoubleTwin() throws Exception {
        long t0 = System.nanoTime();
        ArchitectureGradients.checkFloat(SMALL, GraphExtension.NONE, 2, 2, 1e-3, 1e-6);
        System.out.println("CHECK " + (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void theCheckCatchesAOnePercentErrorInOneConvolution() throws Exception {
        String param = "decoder.blocks.0.convs.0.weight";
        var check = ArchitectureGradients.floatCheck(SMALL, GraphExtension.NONE, 2, 1e-3, 1e-6,
                g -> dev.cggm.onnx.testing.GradCheck.scaleGradient(g, param, 1.01),
                List.of(param, "decoder.blocks.1.convs.0.weight", "classifiers.t2.out.weight"));
        var bad = check.checkSample(6, 3);
        assertTrue(!bad.isEmpty() && bad.stream().allMatch(m -> m.param().equals(param)), bad.toString());
    }

    @Test
    void trainingStepMatchesPyTorch(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        Path dir = tmp.resolve("artifacts");
        // four modalities as BraTS, dropout on, two convolutions per block, 16x16 images
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny",
                config(images(16, "flair", "t1ce", "t1", "t2"), List.of(4, 8, 8), 2, 0.3), 11, true);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, 3, 5);
        double w = 0.9;
        for (LossTerm t : manifest.lossTerms()) {
            inputs.put(ModelIO.lossWeight(t.name()), HostTensor.of(new float[] {(float) w}));
            w -= 0.15;
        }
        TorchParity.check(dir, inputs, "multimodal_unet_reference.py", 1e-4, tmp);
    }

    @Test
    void rolesGroupsAndOutputs(@TempDir Path tmp) throws Exception {
        ArtifactManifest m = TrainingArtifacts.write(tmp.resolve("a"), "tiny", SMALL, 3, false);
        LayerSpec head = m.layers().stream().filter(l -> l.role() == LayerRole.HEAD_OUT).findFirst().orElseThrow();
        assertEquals("decoder.out.weight", head.weight());
        assertEquals(LayerSpec.Kind.CONV, head.kind());
        for (String mod : List.of("flair", "t2")) {
            LayerSpec aux = m.layers().stream().filter(l -> l.role() == LayerRole.AUXILIARY_OUT && mod.equals(l.modality()))
                    .findFirst().orElseThrow();
            assertEquals("classifiers." + mod + ".out.weight", aux.weight());
        }
        assertTrue(m.parameters().stream().filter(p -> p.name().startsWith("encoders.flair."))
                .allMatch(p -> p.group().equals("encoder/flair")));
        assertTrue(m.parameters().stream().filter(p -> p.name().startsWith("classifiers.t2."))
                .allMatch(p -> p.group().equals("classifier/t2")));
        assertEquals("[batch, 8, 8]", m.inputs().stream().filter(i -> i.name().equals("label")).findFirst()
                .orElseThrow().shape().toString());
        // the layer kinds survive artifacts.json; layers written before convolutions read as linear
        LayerSpec old = dev.cggm.onnx.artifacts.ArtifactManifest.mapper().readValue(
                "{\"name\":\"out_layer\",\"weight\":\"out_layer.weight\",\"role\":\"head_out\",\"in_features\":4,"
                        + "\"out_features\":2}", LayerSpec.class);
        assertEquals(LayerSpec.Kind.LINEAR, old.kind());
    }

    @Test
    void misfitsAreRefused() {
        MultimodalUNet a = new MultimodalUNet();
        var task = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("brats", images(160, "flair"), Tasks.CLASSIFICATION, 4)));
        assertTrue(task.getMessage().contains("segments images"), task.getMessage());
        var sizes = assertThrows(IllegalArgumentException.class, () -> a.configure(new ModelRequest("brats",
                List.of(new Modality("flair", 160, 160), new Modality("t1", 128, 160)), Tasks.SEGMENTATION, 4)));
        assertTrue(sizes.getMessage().contains("one image size"), sizes.getMessage());
        var halvings = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("brats", images(30, "flair"), Tasks.SEGMENTATION, 4)));
        assertTrue(halvings.getMessage().contains("3 halvings") && halvings.getMessage().contains("multiples of 8"), halvings.getMessage());
        var preset = assertThrows(IllegalArgumentException.class,
                () -> a.configure(new ModelRequest("food101", images(16, "flair"), Tasks.SEGMENTATION, 4)));
        assertTrue(preset.getMessage().contains("known presets: tiny, brats"), preset.getMessage());
    }
}
