package dev.cggm.onnx.parity;

import dev.cggm.onnx.testing.TorchParity;
import dev.cggm.onnx.models.ModelRequest;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.reference.PyTorchReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        TorchParity.check(dir, inputs, "parity_step.py", TOLERANCE, tmp);
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
