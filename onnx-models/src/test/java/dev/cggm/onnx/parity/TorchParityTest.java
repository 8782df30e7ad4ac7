package dev.cggm.onnx.parity;

import dev.cggm.onnx.testing.TorchParity;
import dev.cggm.onnx.models.ModelRequest;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.onnx.reference.PyTorchReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our training artifacts against an independent PyTorch implementation of the reference model:
 * same weights (the checkpoint), same inputs and dropout masks, so the same outputs, losses and
 * gradients of every parameter within 1e-4.
 */
class TorchParityTest {
    static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0}, dropout {1}, batch {2}")
    @CsvSource({
            "tiny, false, 4",
            "tiny, true, 4",
            "food101, true, 2",
            "mosi, true, 3",
            "iemocap, false, 2",
    })
    void trainingStepMatchesPyTorch(String preset, boolean dropout, int batch, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        CggmModelConfig cfg = Presets.get(preset);
        Path dir = tmp.resolve("artifacts");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, preset, cfg, 11, dropout);
        Map<String, HostTensor> inputs = ArtifactCheck.randomInputs(manifest, batch, 5);
        if (cfg.task() == dev.cggm.onnx.tasks.Tasks.REGRESSION) {
            // regression targets in the range MOSI uses
            float[] y = inputs.get("label").floats();
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) (3 * Math.tanh(y[i]));
            }
        }
        Path inputFile = tmp.resolve("inputs.safetensors");
        SafeTensors.writeTensors(inputFile, inputs, Map.of());
        Path torchOut = tmp.resolve("torch.safetensors");
        PyTorchReference.run(PyTorchReference.script("parity_step.py"), dir.toString(), inputFile.toString(),
                torchOut.toString());
        Map<String, SafeTensors.Entry> expected = SafeTensors.read(torchOut);

        Map<String, HostTensor> feed = new LinkedHashMap<>(inputs);
        for (Map.Entry<String, SafeTensors.Entry> e : SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT)).entrySet()) {
            feed.put(e.getKey(), HostTensor.of(e.getValue().data(), e.getValue().shape()));
        }
        Map<String, HostTensor> ours;
        try (OrtModel m = OrtModel.load(Files.readAllBytes(dir.resolve(TrainingArtifacts.TRAINING_MODEL)))) {
            ours = m.run(feed);
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, SafeTensors.Entry> e : expected.entrySet()) {
            HostTensor got = ours.get(e.getKey());
            if (got == null) {
                problems.add(e.getKey() + ": missing from our outputs");
                continue;
            }
            double[] g = got.toDoubles();
            float[] want = e.getValue().data();
            if (g.length != want.length) {
                problems.add(e.getKey() + ": " + g.length + " values vs " + want.length);
                continue;
            }
            double worst = 0;
            int at = -1;
            for (int i = 0; i < g.length; i++) {
                double err = Math.abs(g[i] - want[i]) / Math.max(1.0, Math.abs(want[i]));
                if (err > worst) {
                    worst = err;
                    at = i;
                }
            }
            if (worst > TOLERANCE) {
                problems.add(String.format("%s[%d]: ours %.7g vs PyTorch %.7g", e.getKey(), at, g[at], want[at]));
            }
        }
        assertTrue(problems.isEmpty(), preset + ": " + problems.size() + " tensors differ beyond " + TOLERANCE + ":\n"
                + String.join("\n", problems));
        assertTrue(expected.keySet().stream().filter(k -> k.startsWith("grad/")).count() == manifest.parameters().size(),
                "PyTorch returned a gradient for every parameter");
    }

    /**
     * The documented departures as options: the official Food-101 projection slip (text through
     * the image projection) and the text-first order, each against the same PyTorch model.
     */
    @ParameterizedTest(name = "order {0}, faithful projection {1}")
    @CsvSource({"image;text, true", "text;image, false", "text;image, true"})
    void orderAndProjectionVariantsMatchPyTorch(String order, boolean faithful, @TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        CggmModelConfig base = Presets.get("tiny").withModality("text", 12, 4);
        CggmModelConfig cfg = new CggmModel().configure(new ModelRequest("tiny", base.modalities(), base.task(), 3,
                List.of(order.split(";")), faithful));
        assertEquals(List.of(order.split(";")), cfg.modalityNames());
        Path dir = tmp.resolve("artifacts");
        ArtifactManifest manifest = TrainingArtifacts.write(dir, "tiny", cfg, 11, true);
        TorchParity.check(dir, ArtifactCheck.randomInputs(manifest, 3, 5), "parity_step.py", TOLERANCE, tmp);
    }
}
