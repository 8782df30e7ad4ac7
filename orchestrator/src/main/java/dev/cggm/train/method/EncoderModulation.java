package dev.cggm.train.method;

import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the BalanceBenchmark methods (OGM-GE, AGM, PMR) do to a modality's encoder gradients:
 * scale every encoder weight gradient by a coefficient, optionally adding Gaussian noise of the
 * gradient's own spread ("gradient enhancement"). As the toolkit, only tensors whose rank is not
 * 1 are touched — its "don't change the bias" rule, which also leaves norm scales alone.
 */
final class EncoderModulation {
    private EncoderModulation() {
    }

    /** A modality's modulated encoder parameters: those of rank other than 1, in model order. */
    static List<ParameterSet.Param> weights(ModelRoles roles, String modality) {
        return roles.encoder(modality).stream().filter(p -> p.shape().length != 1).toList();
    }

    /** g ← k·g for every modulated parameter of the modality. */
    static void scale(ModelRoles roles, String modality, double k) {
        for (ParameterSet.Param p : weights(roles, modality)) {
            FloatBuffer g = p.grad();
            for (int i = 0; i < p.size(); i++) {
                g.put(i, (float) (g.get(i) * k));
            }
        }
    }

    /**
     * g ← k·g + sign·(std(g) + 1e-8)·ε per modulated parameter, std the unbiased standard deviation
     * of g before scaling (PyTorch's {@code grad.std()}) and ε the standard normal draws of
     * {@link #draws} in order.
     */
    static void scaleWithNoise(List<ParameterSet.Param> params, double k, Map<String, float[]> eps, double sign) {
        for (ParameterSet.Param p : params) {
            FloatBuffer g = p.grad();
            double sd = unbiasedStd(g, p.size()) + 1e-8;
            float[] e = eps.get(p.name());
            for (int i = 0; i < p.size(); i++) {
                g.put(i, (float) (g.get(i) * k + sign * sd * e[i]));
            }
        }
    }

    /**
     * Standard normal draws for the modulated parameters of every modality (in model order, each
     * modality's parameters in model order, each parameter's values in order), from one random
     * source: what a step's noise is made of, so a reference implementation can be fed the same.
     */
    static Map<String, float[]> draws(SplittableRandom random, ModelRoles roles, List<String> modalities) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String m : modalities) {
            for (ParameterSet.Param p : weights(roles, m)) {
                float[] e = new float[p.size()];
                for (int i = 0; i < e.length; i++) {
                    e[i] = (float) random.nextGaussian();
                }
                out.put(p.name(), e);
            }
        }
        return out;
    }

    /** The unbiased (n − 1) standard deviation of the first n values; 0 for fewer than two. */
    static double unbiasedStd(FloatBuffer g, int n) {
        if (n < 2) {
            return 0;
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += g.get(i);
        }
        mean /= n;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = g.get(i) - mean;
            ss += d * d;
        }
        return Math.sqrt(ss / (n - 1));
    }

    /** Σ_i softmax(z_i)[y_i] over a batch of logits [rows, classes] (the toolkit's "score"). */
    static double labelProbabilitySum(float[] logits, int classes, dev.cggm.onnx.tasks.Targets targets) {
        double s = 0;
        for (int i = 0; i < targets.rows(); i++) {
            s += softmax(logits, i, classes)[(int) targets.label(i)];
        }
        return s;
    }

    /** softmax of row {@code row} of row-major logits. */
    static double[] softmax(float[] logits, int row, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[row * classes + c]);
        }
        double[] p = new double[classes];
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            p[c] = Math.exp(logits[row * classes + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < classes; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** Refuses a task that has no class labels (these methods score softmax probabilities of the label). */
    static void requireClassification(String method, MethodSetup setup) {
        if (!setup.task().id().equals(dev.cggm.onnx.tasks.Tasks.CLASSIFICATION.id())) {
            throw new dev.cggm.train.config.InvalidOption("method", "method '" + method
                    + "' scores the softmax probability of each sample's class, so it needs a classification task; "
                    + "the data is " + setup.task().id());
        }
    }
}
