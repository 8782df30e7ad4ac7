package dev.cggm.train.optim;

import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ParameterSet.Param;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW as {@code torch.optim.Adam}/{@code AdamW} compute them (betas 0.9/0.999, eps
 * 1e-8, float32 state, a step count per parameter): Adam adds weight decay to the gradient,
 * AdamW decays the parameter directly before the update.
 */
public final class Adam implements Optimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    private final boolean decoupled;
    private final float weightDecay;
    private final Map<String, float[]> m = new HashMap<>();
    private final Map<String, float[]> v = new HashMap<>();
    private final Map<String, Long> steps = new HashMap<>();

    public Adam(boolean decoupled, double weightDecay) {
        this.decoupled = decoupled;
        this.weightDecay = (float) weightDecay;
    }

    @Override
    public void step(List<Param> params, double baseLr, java.util.function.ToDoubleFunction<Param> scale) {
        for (Param p : params) {
            long t = steps.merge(p.name(), 1L, Long::sum);
            double lr = baseLr * scale.applyAsDouble(p);
            double bc1 = 1 - Math.pow(BETA1, t);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, t));
            float stepSize = (float) (lr / bc1);
            float decay = (float) (1 - lr * weightDecay);
            float[] mp = m.computeIfAbsent(p.name(), k -> new float[p.size()]);
            float[] vp = v.computeIfAbsent(p.name(), k -> new float[p.size()]);
            FloatBuffer w = p.value();
            FloatBuffer g = p.grad();
            for (int i = 0; i < p.size(); i++) {
                float wi = w.get(i);
                float gi = g.get(i);
                if (decoupled) {
                    wi *= decay;
                } else if (weightDecay != 0) {
                    gi += weightDecay * wi;
                }
                mp[i] = BETA1 * mp[i] + (1 - BETA1) * gi;
                vp[i] = BETA2 * vp[i] + (1 - BETA2) * gi * gi;
                float denom = (float) (Math.sqrt(vp[i]) / bc2Sqrt) + EPS;
                w.put(i, wi - stepSize * mp[i] / denom);
            }
        }
    }

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        steps.forEach((k, n) -> s.put("step/" + k, HostTensor.of(new long[] {n})));
        m.forEach((k, a) -> s.put("exp_avg/" + k, HostTensor.of(a.clone(), a.length)));
        v.forEach((k, a) -> s.put("exp_avg_sq/" + k, HostTensor.of(a.clone(), a.length)));
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
        m.clear();
        v.clear();
        steps.clear();
        // checkpoints before per-parameter counts held one "step" shared by every moment
        long shared = state.containsKey("step") ? state.get("step").longs()[0] : 0;
        state.forEach((k, e) -> {
            if (k.startsWith("step/")) {
                steps.put(k.substring("step/".length()), e.longs()[0]);
            } else if (k.startsWith("exp_avg/")) {
                if (shared > 0) {
                    steps.put(k.substring("exp_avg/".length()), shared);
                }
                m.put(k.substring("exp_avg/".length()), e.floats().clone());
            } else if (k.startsWith("exp_avg_sq/")) {
                v.put(k.substring("exp_avg_sq/".length()), e.floats().clone());
            }
        });
    }
}
