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

    public Sgd(double momentum, double weightDecay) {
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
    }

    @Override
    public void step(List<Param> params, double lr, java.util.function.ToDoubleFunction<Param> scale) {
        for (Param p : params) {
            float rate = (float) (lr * scale.applyAsDouble(p));
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
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        buffers.forEach((k, a) -> s.put("momentum_buffer/" + k, HostTensor.of(a.clone(), a.length)));
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
        buffers.clear();
        state.forEach((k, e) -> {
            if (k.startsWith("momentum_buffer/")) {
                buffers.put(k.substring("momentum_buffer/".length()), e.floats().clone());
            }
        });
    }
}
