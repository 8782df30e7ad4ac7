package dev.cggm.train;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.bench.ReferenceBatches;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.train.modulation.CggmOptions;
import dev.cggm.train.run.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few CGGM steps of our trainer against the reference step in PyTorch (same initial weights,
 * same batches, same dropout masks): every parameter afterwards, the losses and the coefficients
 * of each step must agree.
 */
class ReferenceStepParityTest {
    static final int STEPS = 4;

    @ParameterizedTest(name = "{0}, dropout {1}")
    @CsvSource({"sgd, false, 1e-5", "sgd, true, 1e-5", "adamw, true, 2e-4"})
    void cggmStepsMatchThePyTorchReference(String optimizer, boolean dropout, double tolerance, @TempDir Path tmp)
            throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        var data = SyntheticFeatures.classification(3, 64, 16, 16, 2);
        TrainConfig base = Recipes.defaults("tiny", "in-memory", "cggm");
        TrainConfig cfg = new TrainConfig(base.features(), "tiny", "cggm", 1.3, 0.2, CggmOptions.Direction.WEIGHTS,
                CggmOptions.Coefficients.FAITHFUL, 1, 16, 9, optimizer, 1e-2, 1e-3, 0.9, 5e-3, 3e-3, 0.8, "none",
                10, 0.1, 0, 0, 10, 0.1, dropout, "cpu", 1, 1, "metric");
        Path runDir = tmp.resolve("run");
        List<Map<String, Object>> steps = new ArrayList<>();
        TrainControl control = new TrainControl();
        TrainListener stopAfter = new TrainListener() {
            @Override
            public void onStep(Map<String, Object> record, long stepsPerEpoch) {
                steps.add(record);
                if (steps.size() == STEPS) {
                    control.requestPause();
                }
            }
        };
        try (Trainer t = Trainer.start(cfg, runDir, data, TrainerSmokeTest.cpu(), stopAfter, control)) {
            assertEquals("paused", t.run().status());
        }

        // the same batches and masks, for PyTorch
        Path stepsFile = tmp.resolve("steps.safetensors");
        ReferenceBatches.write(stepsFile, data, ArtifactManifest.read(runDir.resolve("artifacts")), cfg.seed(),
                cfg.batchSize(), STEPS);
        Path configFile = tmp.resolve("config.json");
        Json.writeAtomically(configFile, cfg);
        Path out = tmp.resolve("torch.safetensors");
        PyTorchReference.run(PyTorchReference.script("cggm_reference_steps.py"), configFile.toString(),
                runDir.resolve("artifacts").toString(), stepsFile.toString(), out.toString());
        Map<String, SafeTensors.Entry> torch = SafeTensors.read(out);

        for (int s = 0; s < STEPS; s++) {
            assertEquals(torch.get("step" + s + "/loss").data()[0], (double) steps.get(s).get("loss"), 1e-5, "loss of step " + s);
            for (String m : List.of("image", "text")) {
                // relative: the reference's formula divides by S = Σd + 1e-8, which is 1e-8 whenever the
                // accuracy changes cancel (it happens here), giving coefficients of order 1e7 in both
                double want = torch.get("step" + s + "/coeff/" + m).data()[0];
                assertEquals(want, (double) steps.get(s).get("coeff/" + m), 1e-5 * Math.max(1, Math.abs(want)),
                        "coefficient of " + m + " at step " + s);
            }
        }
        Map<String, SafeTensors.Entry> ours = new Trainer.Inspector(runDir).latestParameters();
        List<String> problems = new ArrayList<>();
        int d = 8; // tiny preset's proj_dim
        for (var e : ours.entrySet()) {
            float[] a = e.getValue().data();
            float[] b = torch.get(e.getKey()).data();
            for (int i = 0; i < a.length; i++) {
                // the key part of in_proj_bias has an exactly-zero gradient (softmax ignores a shift shared
                // by all keys): Adam turns its rounding noise into ±lr steps in both frameworks
                if (!optimizer.equals("sgd") && e.getKey().endsWith("in_proj_bias") && i >= d && i < 2 * d) {
                    continue;
                }
                if (Math.abs(a[i] - b[i]) > tolerance * Math.max(1, Math.abs(b[i]))) {
                    problems.add(e.getKey() + "[" + i + "]: ours " + a[i] + " vs PyTorch " + b[i]);
                    break;
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " parameters differ:\n" + String.join("\n", problems));
    }
}
