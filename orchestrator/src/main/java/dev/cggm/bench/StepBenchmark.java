package dev.cggm.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.ParameterSpec;
import dev.cggm.onnx.runtime.HostTensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Training step vs forward pass on identical inputs: the training model (forward + backward,
 * gradients of every parameter as outputs) against the eval model (forward only), each run in its
 * own ONNX Runtime session with the same options. Inputs are created once, outside the timing.
 */
public final class StepBenchmark {
    private StepBenchmark() {
    }

    /** Median and minimum times of both models, in milliseconds. */
    public record Result(int batch, int parameters, long parameterValues, int trainingNodes, int evalNodes,
                         double trainMedianMs, double trainMinMs, double evalMedianMs, double evalMinMs,
                         int iterations) {
        public double ratio() {
            return trainMedianMs / evalMedianMs;
        }

        public String format(String preset) {
            return String.format(
                    "bench step: preset %s, batch %d, %d parameters (%,d values), %d iterations after warm-up%n"
                            + "  training step (forward+backward): median %8.1f ms  (min %.1f)  [%d nodes]%n"
                            + "  eval forward                    : median %8.1f ms  (min %.1f)  [%d nodes]%n"
                            + "  ratio train/eval                : %.2f",
                    preset, batch, parameters, parameterValues, iterations, trainMedianMs, trainMinMs, trainingNodes,
                    evalMedianMs, evalMinMs, evalNodes, ratio());
        }
    }

    public static Result run(CggmModelConfig cfg, int batch, int iterations, int warmup, boolean dropout, int threads,
                             java.nio.file.Path profileDir) throws OrtException, java.io.IOException {
        TrainingArtifacts.Graphs graphs = TrainingArtifacts.build(cfg, 42, dropout);
        var manifest = TrainingArtifacts.manifest("bench", cfg, 42, dropout, graphs);
        Map<String, HostTensor> data = ArtifactCheck.randomInputs(manifest, batch, 7);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        long values = 0;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                opts.setIntraOpNumThreads(threads);
            }
            for (Map.Entry<String, HostTensor> e : data.entrySet()) {
                feed.put(e.getKey(), e.getValue().toOnnx(env));
            }
            for (ParameterSpec p : graphs.parameters()) {
                feed.put(p.name(), HostTensor.of(p.initial(), p.shape()).toOnnx(env));
                values += p.initial().length;
            }
            double[] train;
            double[] eval;
            if (profileDir != null) {
                java.nio.file.Files.createDirectories(profileDir);
            }
            try (OrtSession training = session(env, graphs.training(), opts, profileDir, "training");
                 OrtSession evalSession = session(env, graphs.eval(), opts, profileDir, "eval")) {
                train = time(training, feed, iterations, warmup);
                eval = time(evalSession, feed, iterations, warmup);
                if (profileDir != null) {
                    training.endProfiling();
                    evalSession.endProfiling();
                }
            }
            return new Result(batch, graphs.parameters().size(), values, graphs.training().nodes().size(),
                    graphs.eval().nodes().size(), median(train), min(train), median(eval), min(eval), iterations);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static OrtSession session(OrtEnvironment env, dev.cggm.onnx.graph.Graph g, OrtSession.SessionOptions base,
                                      java.nio.file.Path profileDir, String name) throws OrtException {
        if (profileDir == null) {
            return env.createSession(OnnxModels.toBytes(g), base);
        }
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.enableProfiling(profileDir.resolve(name).toString());
            return env.createSession(OnnxModels.toBytes(g), opts);
        }
    }

    private static double[] time(OrtSession s, Map<String, OnnxTensor> feed, int iterations, int warmup) throws OrtException {
        Map<String, OnnxTensor> mine = new HashMap<>();
        for (String name : s.getInputNames()) {
            mine.put(name, feed.get(name));
        }
        for (int i = 0; i < warmup; i++) {
            s.run(mine).close();
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            s.run(mine).close();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
