package dev.cggm.onnx.testing;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One training run of an artifact directory's training model in ONNX Runtime against an
 * independent PyTorch implementation ({@code reference/<script>}, run by Debian's python3-torch)
 * on the same weights and inputs: every tensor the script returns (outputs, losses,
 * {@code grad/<p>}) must agree within a relative tolerance, and it must return a gradient for
 * every parameter.
 */
public final class TorchParity {
    private TorchParity() {
    }

    public static void check(Path dir, Map<String, HostTensor> inputs, String script, double tolerance, Path tmp)
            throws Exception {
        ArtifactManifest manifest = ArtifactManifest.read(dir);
        Path inputFile = tmp.resolve("inputs.safetensors");
        SafeTensors.writeTensors(inputFile, inputs, Map.of());
        Path torchOut = tmp.resolve("torch.safetensors");
        PyTorchReference.run(PyTorchReference.script(script), dir.toString(), inputFile.toString(), torchOut.toString());
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
            if (worst > tolerance) {
                problems.add(String.format("%s[%d]: ours %.7g vs PyTorch %.7g", e.getKey(), at, g[at], want[at]));
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " tensors differ beyond " + tolerance + ":\n"
                + String.join("\n", problems));
        assertTrue(expected.keySet().stream().filter(k -> k.startsWith("grad/")).count() == manifest.parameters().size(),
                "PyTorch returned a gradient for every parameter");
    }
}
