package dev.cggm.bench;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.MaskSampler;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.ModalityShape;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the first training steps of a run exactly as our trainer draws them — rows in the
 * epoch-0 order of the seed, and the dropout masks of each step — for the PyTorch reference
 * ({@code reference/cggm_reference_steps.py}).
 */
public final class ReferenceBatches {
    private ReferenceBatches() {
    }

    /**
     * The flat settings {@code cggm_reference_steps.py} reads (optimizer, rates, weight decays,
     * momentum, clip, and CGGM's ρ and λ) of a CGGM run's configuration.
     */
    public static Map<String, Object> stepSettings(dev.cggm.train.TrainConfig cfg) {
        var cggm = (dev.cggm.train.method.CggmOptions) cfg.method();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optimizer", cfg.optimizer().kind().id());
        m.put("lr", cfg.optimizer().lr());
        m.put("weight_decay", cfg.optimizer().weightDecay());
        m.put("momentum", cfg.optimizer().momentum());
        m.put("classifier_lr", cfg.auxiliary().lr());
        m.put("classifier_weight_decay", cfg.auxiliary().weightDecay());
        m.put("clip", cfg.loop().clip());
        m.put("rho", cggm.rho());
        m.put("lambda", cggm.lambda());
        return m;
    }

    public static void write(Path file, FeatureData data, ArtifactManifest manifest, long seed, int batchSize, int steps)
            throws IOException {
        FeatureSplit train = data.train();
        int[] order = Trainer.dataOrder(seed, 0, train.size());
        if ((long) steps * batchSize > order.length) {
            throw new IllegalArgumentException(steps + " steps of " + batchSize + " need more than " + order.length + " rows");
        }
        MaskSampler sampler = new MaskSampler(seed);
        Map<String, HostTensor> dump = new LinkedHashMap<>();
        dump.put("steps", HostTensor.of(new long[] {steps}, 1));
        for (int s = 0; s < steps; s++) {
            int[] rows = java.util.Arrays.copyOfRange(order, s * batchSize, (s + 1) * batchSize);
            for (ModalityShape m : data.modalities()) {
                FloatBuffer buf = FloatBuffer.allocate(rows.length * m.valuesPerSample());
                train.gather(m.name(), rows, buf);
                dump.put("step" + s + "/" + m.name(), HostTensor.of(buf.array(), rows.length, m.seqLen(), m.dim()));
            }
            Targets targets = train.targets().select(rows);
            if (targets.dtype() == DType.INT64) {
                long[] labels = new long[rows.length * targets.valuesPerSample()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = targets.longAt(i);
                }
                dump.put("step" + s + "/label", HostTensor.of(labels, targets.tensorShape()));
            } else {
                float[] values = new float[rows.length * targets.valuesPerSample()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = targets.floatAt(i);
                }
                dump.put("step" + s + "/label", HostTensor.of(values, rows.length));
            }
            int site = 0;
            for (ArtifactManifest.TensorSpec spec : manifest.inputs()) {
                if (ArtifactManifest.ROLE_DROPOUT_MASK.equals(spec.role())) {
                    long[] shape = new long[spec.shape().size()];
                    shape[0] = rows.length;
                    for (int d = 1; d < shape.length; d++) {
                        shape[d] = ((Number) spec.shape().get(d)).longValue();
                    }
                    dump.put("step" + s + "/mask/" + site, sampler.sample(shape, spec.rate(), s, site));
                    site++;
                }
            }
        }
        SafeTensors.writeTensors(file, dump, Map.of());
    }
}
