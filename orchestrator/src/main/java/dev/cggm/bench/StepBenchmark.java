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
                         int iterations, int masks, long maskElements, double maskSamplingMs) {
        public double ratio() {
            return trainMedianMs / evalMedianMs;
        }

        /** Ratio counting the JVM's dropout-mask sampling as part of the step. */
        public double ratioWithMasks() {
            return (trainMedianMs + maskSamplingMs) / evalMedianMs;
        }

        public String format(String preset) {
            return String.format(
                    "bench step: preset %s, batch %d, %d parameters (%,d values), %d iterations after warm-up%n"
                            + "  training step (forward+backward): median %8.1f ms  (min %.1f)  [%d nodes]%n"
                            + "  eval forward                    : median %8.1f ms  (min %.1f)  [%d nodes]%n"
                            + "  dropout masks (JVM sampling)    : median %8.1f ms  (%d masks, %,d elements)%n"
                            + "  ratio train/eval                : %.2f  (%.2f counting mask sampling)",
                    preset, batch, parameters, parameterValues, iterations, trainMedianMs, trainMinMs, trainingNodes,
                    evalMedianMs, evalMinMs, evalNodes, maskSamplingMs, masks, maskElements, ratio(), ratioWithMasks());
        }
    }

    public static Result run(CggmModelConfig cfg, int batch, int iterations, int warmup, boolean dropout, int threads,
                             java.nio.file.Path profileDir) throws OrtException, java.io.IOException {
        TrainingArtifacts.Spec artifacts = new TrainingArtifacts.Spec("bench", cfg, 42, dropout);
        TrainingArtifacts.Graphs graphs = TrainingArtifacts.build(artifacts);
        var manifest = TrainingArtifacts.manifest(artifacts, graphs);
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
            double[] maskMs = timeMaskSampling(manifest, batch, iterations, warmup);
            long maskElements = 0;
            for (var spec : manifest.inputs()) {
                if ("dropout_mask".equals(spec.role())) {
                    maskElements += data.get(spec.name()).size();
                }
            }
            return new Result(batch, graphs.parameters().size(), values, graphs.training().nodes().size(),
                    graphs.eval().nodes().size(), median(train), min(train), median(eval), min(eval), iterations,
                    graphs.dropoutMasks().size(), maskElements, median(maskMs));
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** Time to draw every dropout mask of one step into reusable direct buffers, as the trainer does. */
    private static double[] timeMaskSampling(dev.cggm.onnx.artifacts.ArtifactManifest manifest, int batch,
                                             int iterations, int warmup) {
        var sampler = new dev.cggm.onnx.runtime.MaskSampler(1);
        java.util.List<java.nio.ByteBuffer> buffers = new java.util.ArrayList<>();
        java.util.List<Double> rates = new java.util.ArrayList<>();
        for (var spec : manifest.inputs()) {
            if ("dropout_mask".equals(spec.role())) {
                long n = batch;
                for (Object d : spec.shape()) {
                    n *= d instanceof Number num ? num.longValue() : 1;
                }
                buffers.add(java.nio.ByteBuffer.allocateDirect((int) n));
                rates.add(spec.rate());
            }
        }
        double[] ms = new double[iterations];
        for (int it = -warmup; it < iterations; it++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < buffers.size(); k++) {
                sampler.fill(buffers.get(k), buffers.get(k).capacity(), rates.get(k), it, k);
            }
            if (it >= 0) {
                ms[it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
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
