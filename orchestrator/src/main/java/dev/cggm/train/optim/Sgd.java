package dev.cggm.train.optim;

import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ParameterSet.Param;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SGD as {@code torch.optim.SGD} (momentum without dampening or Nesterov, L2 weight decay). */
public final class Sgd implements Optimizer {
    private final float momentum;
    private final float weightDecay;
    private final Map<String, float[]> buffers = new HashMap<>();
    private long t;

    public Sgd(double momentum, double weightDecay) {
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
    }

    @Override
    public void step(List<Param> params, double lr) {
        t++;
        float rate = (float) lr;
        for (Param p : params) {
            FloatBuffer w = p.value();
            FloatBuffer g = p.grad();
            float[] buf = momentum != 0 ? buffers.get(p.name()) : null;
            boolean first = momentum != 0 && buf == null;
            if (first) {
                buf = new float[p.size()];
                buffers.put(p.name(), buf);
            }
            for (int i = 0; i < p.size(); i++) {
                float d = g.get(i) + weightDecay * w.get(i);
                if (momentum != 0) {
                    buf[i] = first ? d : momentum * buf[i] + d;
                    d = buf[i];
                }
                w.put(i, w.get(i) - rate * d);
            }
        }
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        s.put("step", HostTensor.of(new long[] {t}));
        buffers.forEach((k, a) -> s.put("momentum_buffer/" + k, HostTensor.of(a.clone(), a.length)));
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
        buffers.clear();
        t = state.get("step").longs()[0];
        state.forEach((k, e) -> {
            if (k.startsWith("momentum_buffer/")) {
                buffers.put(k.substring("momentum_buffer/".length()), e.floats().clone());
            }
        });
    }
}
