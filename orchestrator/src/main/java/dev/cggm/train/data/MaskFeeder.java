package dev.cggm.train.data;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.runtime.MaskSampler;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the training model's dropout masks for a step into direct buffers (reused across steps)
 * and wraps them as bool tensors. Masks are a pure function of (seed, step, site).
 */
public final class MaskFeeder {
    private record Site(String name, long[] perSample, long perSampleCount, double rate, ByteBuffer buffer) {
    }

    private final OrtEnvironment env;
    private final MaskSampler sampler;
    private final List<Site> sites = new ArrayList<>();

    public MaskFeeder(OrtEnvironment env, ArtifactManifest manifest, long seed, int maxBatch) {
        this.env = env;
        this.sampler = new MaskSampler(seed);
        for (ArtifactManifest.TensorSpec spec : manifest.inputs()) {
            if (!"dropout_mask".equals(spec.role())) {
                continue;
            }
            List<Object> shape = spec.shape();
            long[] rest = new long[shape.size() - 1];
            long count = 1;
            for (int i = 1; i < shape.size(); i++) {
                if (!(shape.get(i) instanceof Number n)) {
                    throw new IllegalArgumentException("dropout mask '" + spec.name() + "' has a symbolic dimension "
                            + shape.get(i) + "; the trainer needs fixed sequence lengths");
                }
                rest[i - 1] = n.longValue();
                count *= n.longValue();
            }
            sites.add(new Site(spec.name(), rest, count, spec.rate(), ByteBuffer.allocateDirect((int) (count * maxBatch))));
        }
    }

    public int siteCount() {
        return sites.size();
    }

    /** The masks of global step {@code step} for a batch of {@code batch} samples (close them). */
    public Map<String, OnnxTensor> masks(long step, int batch) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (int k = 0; k < sites.size(); k++) {
                Site s = sites.get(k);
                int n = (int) (s.perSampleCount() * batch);
                sampler.fill(s.buffer(), n, s.rate(), step, k);
                long[] shape = new long[s.perSample().length + 1];
                shape[0] = batch;
                System.arraycopy(s.perSample(), 0, shape, 1, s.perSample().length);
                out.put(s.name(), OnnxTensor.createTensor(env, s.buffer().duplicate().position(0).limit(n), shape,
                        OnnxJavaType.BOOL));
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }
}
