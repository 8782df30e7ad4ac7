package dev.cggm.train.optim;

import dev.cggm.train.config.OptimizerKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.onnx.reference.PyTorchReference;
import dev.cggm.train.ParameterSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Our optimizers and schedulers against PyTorch's on the same gradients and losses. */
class OptimizerParityTest {
    static final int N = 7;
    static final int STEPS = 12;

    static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, v);
        return b;
    }

    static JsonNode torch(Path tmp, Map<String, Object> spec) throws Exception {
        Assumptions.assumeTrue(PyTorchReference.available(), PyTorchReference.MISSING);
        ObjectMapper json = new ObjectMapper();
        Path in = tmp.resolve("spec.json");
        Path out = tmp.resolve("out.json");
        json.writeValue(in.toFile(), spec);
        PyTorchReference.run(PyTorchReference.script("optim_reference.py"), in.toString(), out.toString());
        return json.readTree(out.toFile());
    }

    static Map<String, Object> spec(String optimizer, double lr, double wd, double momentum, float[] init, float[][] grads) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("optimizer", optimizer);
        s.put("lr", lr);
        s.put("weight_decay", wd);
        s.put("momentum", momentum);
        s.put("init", init);
        s.put("grads", grads);
        s.put("plateau", Map.of("lr", 1e-3, "factor", 0.1, "patience", 2,
                "losses", new double[] {1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.8, 0.7}));
        s.put("step_lr", Map.of("lr", 0.1, "step_size", 3, "gamma", 0.5, "epochs", 10));
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"adamw, 1e-2, 6e-3, 0.9", "adam, 1e-2, 1e-2, 0.9", "adam, 1e-3, 0, 0.9", "sgd, 5e-2, 3e-4, 0.9",
            "sgd, 1e-1, 0, 0"})
    void optimizerMatchesPyTorch(String name, double lr, double wd, double momentum, @TempDir Path tmp) throws Exception {
        Random rng = new Random(3);
        float[] init = new float[N];
        float[][] grads = new float[STEPS][N];
        for (int i = 0; i < N; i++) {
            init[i] = (float) rng.nextGaussian();
        }
        for (float[] g : grads) {
            for (int i = 0; i < N; i++) {
                g[i] = (float) (rng.nextGaussian() * (i + 1) * 0.3);
            }
        }
        JsonNode expected = torch(tmp, spec(name, lr, wd, momentum, init, grads));
        ParameterSet.Param p = new ParameterSet.Param("w", new long[] {N}, "head", direct(init), direct(new float[N]), N);
        Optimizer opt = Optimizer.create(OptimizerKind.of(name), wd, momentum);
        for (int s = 0; s < STEPS; s++) {
            p.grad().put(0, grads[s]);
            opt.step(List.of(p), lr);
            for (int i = 0; i < N; i++) {
                double want = expected.path("params").get(s).get(i).asDouble();
                assertEquals(want, p.value().get(i), 2e-6 * Math.max(1, Math.abs(want)), name + " step " + s + " [" + i + "]");
            }
        }
    }

    @Test
    void schedulersMatchPyTorch(@TempDir Path tmp) throws Exception {
        JsonNode expected = torch(tmp, spec("sgd", 1e-3, 0, 0, new float[N], new float[0][]));
        ReduceOnPlateau plateau = new ReduceOnPlateau(1e-3, 0.1, 2);
        JsonNode losses = new ObjectMapper().valueToTree(spec("sgd", 1, 0, 0, new float[1], new float[0][]).get("plateau"))
                .path("losses");
        List<Double> ours = new ArrayList<>();
        for (int e = 0; e < losses.size(); e++) {
            plateau.onEpochEnd(e, losses.get(e).asDouble());
            ours.add(plateau.lr());
        }
        for (int e = 0; e < ours.size(); e++) {
            assertEquals(expected.path("plateau_lr").get(e).asDouble(), ours.get(e), 1e-15, "plateau after epoch " + e);
        }
        StepDecay step = new StepDecay(0.1, 3, 0.5);
        for (int e = 0; e < 10; e++) {
            step.onEpochEnd(e, 0);
            assertEquals(expected.path("step_lr").get(e).asDouble(), step.lr(), 1e-12, "StepLR after epoch " + e);
        }
    }

    @Test
    void stateRoundTripsThroughACheckpoint() {
        for (String name : new String[] {"adamw", "adam", "sgd"}) {
            float[] init = {1, -2, 3};
            ParameterSet.Param a = new ParameterSet.Param("w", new long[] {3}, "head", direct(init), direct(new float[] {0.1f, -0.3f, 0.2f}), 3);
            ParameterSet.Param b = new ParameterSet.Param("w", new long[] {3}, "head", direct(init), direct(new float[] {0.1f, -0.3f, 0.2f}), 3);
            Optimizer oa = Optimizer.create(OptimizerKind.of(name), 0.01, 0.9);
            oa.step(List.of(a), 0.1);
            Optimizer ob = Optimizer.create(OptimizerKind.of(name), 0.01, 0.9);
            ob.restore(oa.state());
            b.value().put(0, new float[] {a.value().get(0), a.value().get(1), a.value().get(2)});
            oa.step(List.of(a), 0.1);
            ob.step(List.of(b), 0.1);
            for (int i = 0; i < 3; i++) {
                assertEquals(a.value().get(i), b.value().get(i), 0.0, name);
            }
            assertEquals(oa.state().keySet(), ob.state().keySet());
        }
    }
}
