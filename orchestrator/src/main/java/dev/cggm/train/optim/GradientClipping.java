package dev.cggm.train.optim;

import dev.cggm.train.ParameterSet.Param;

import java.nio.FloatBuffer;
import java.util.List;

/** {@code torch.nn.utils.clip_grad_norm_}: scales all gradients so their joint L2 norm is at most {@code maxNorm}. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The joint L2 norm of the gradients (before clipping); NaN or infinite if any gradient is. */
    public static double norm(List<Param> params) {
        double sum = 0;
        for (Param p : params) {
            FloatBuffer g = p.grad();
            double s = 0;
            for (int i = 0; i < p.size(); i++) {
                double x = g.get(i);
                s += x * x;
            }
            sum += s;
        }
        return Math.sqrt(sum);
    }

    /** Clips in place and returns the norm before clipping ({@code maxNorm <= 0} only measures). */
    public static double clip(List<Param> params, double maxNorm) {
        double total = norm(params);
        if (maxNorm > 0 && Double.isFinite(total)) {
            float coef = (float) Math.min(1.0, maxNorm / (total + 1e-6));
            if (coef < 1f) {
                for (Param p : params) {
                    scale(p.grad(), p.size(), coef);
                }
            }
        }
        return total;
    }

    /** Multiplies the first {@code n} values of a buffer by {@code factor}. */
    public static void scale(FloatBuffer buf, int n, float factor) {
        for (int i = 0; i < n; i++) {
            buf.put(i, buf.get(i) * factor);
        }
    }
}
