package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives CGGM with chosen classifier accuracies on the tiny preset's real parameters and roles
 * and checks it against the reference formulas: coefficients, scaled encoder gradients, and the
 * direction term's gradient (against finite differences of L_gm).
 */
class CggmTest {
    static final int BATCH = 10;
    static final int CLASSES = 3;
    static final String FUSION_OUT = "out_layer.weight";
    static final String IMAGE_OUT = "classifers.0.out_layer.weight";
    static final String TEXT_OUT = "classifers.1.out_layer.weight";
    ParameterSet params;
    ModelRoles roles;
    MethodSetup setup;
    Map<String, float[]> gradsBefore;

    @BeforeEach
    void setUp(@TempDir Path tmp) throws Exception {
        ArtifactManifest m = TrainingArtifacts.write(tmp.resolve("a"), "tiny", Presets.get("tiny"), 3, false);
        params = ParameterSet.create(m, SafeTensors.read(tmp.resolve("a").resolve(TrainingArtifacts.CHECKPOINT)));
        roles = new ModelRoles(m, params);
        setup = new MethodSetup(m.config(), 3);
        Random rng = new Random(4);
        gradsBefore = new LinkedHashMap<>();
        for (ParameterSet.Param p : params.all()) {
            float[] g = new float[p.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rng.nextGaussian();
            }
            p.grad().put(0, g);
            gradsBefore.put(p.name(), g);
        }
    }

    /** Classifier outputs whose argmax is right for exactly {@code correct} of the BATCH samples (labels all 0). */
    static float[] outputsWithCorrect(int correct) {
        float[] o = new float[BATCH * CLASSES];
        for (int i = 0; i < BATCH; i++) {
            o[i * CLASSES + (i < correct ? 0 : 1)] = 1f;
        }
        return o;
    }

    StepContext step(long t, int correctImage, int correctText) {
        Map<String, float[]> outs = new LinkedHashMap<>();
        outs.put("image", outputsWithCorrect(correctImage));
        outs.put("text", outputsWithCorrect(correctText));
        return new FixedStep(t, Tasks.CLASSIFICATION, CLASSES, outs, Targets.classes(new long[BATCH]), params, roles);
    }

    Cggm cggm(double rho, double lambda, CggmOptions.Direction d, CggmOptions.Coefficients c) {
        return new Cggm(new CggmOptions(rho, lambda, d, c, CggmOptions.EncoderScaling.ENCODERS), setup);
    }

    static double coeff(StepReport r, String m) {
        return r.metrics().get("coeff/" + m);
    }

    static double[] reference(double[] acc, double[] prev) {
        double d0 = acc[0] - prev[0];
        double d1 = acc[1] - prev[1];
        double s = d0 + d1 + 1e-8;
        return new double[] {(s - d0) / s, (s - d1) / s};
    }

    float[] grad(String name) {
        ParameterSet.Param p = params.get(name);
        float[] g = new float[p.size()];
        p.grad().get(0, g);
        return g;
    }

    float[] value(String name) {
        ParameterSet.Param p = params.get(name);
        float[] v = new float[p.size()];
        p.value().get(0, v);
        return v;
    }

    void resetGrads() {
        for (ParameterSet.Param p : params.all()) {
            p.grad().put(0, gradsBefore.get(p.name()));
        }
    }

    @Test
    void coefficientsAndEncoderScalingFollowTheReference() {
        Cggm cggm = cggm(1.3, 0.05, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.FAITHFUL);
        // step 0: image 3/10, text 8/10 correct; previous accuracies start at 0
        StepReport s0 = cggm.apply(step(0, 3, 8));
        double[] c0 = reference(new double[] {0.3, 0.8}, new double[] {0, 0});
        assertEquals(c0[0], coeff(s0, "image"), 1e-12);
        assertEquals(c0[1], coeff(s0, "text"), 1e-12);
        assertTrue(coeff(s0, "text") < coeff(s0, "image"), "the faster modality gets less");
        assertEquals(0.3, step(0, 3, 8).modalityAgreement("image"), 1e-12);
        for (ParameterSet.Param p : params.all()) {
            float[] before = gradsBefore.get(p.name());
            float[] after = grad(p.name());
            double factor = p.group().equals("encoder/image") ? c0[0] * 1.3
                    : p.group().equals("encoder/text") ? c0[1] * 1.3 : 1.0;
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] * factor, after[i], 1e-5 * Math.max(1, Math.abs(before[i] * factor)), p.name());
            }
        }
        // step 1: accuracies move to 5/10 and 9/10; differences against step 0's
        resetGrads();
        StepReport s1 = cggm.apply(step(1, 5, 9));
        double[] c1 = reference(new double[] {0.5, 0.9}, new double[] {0.3, 0.8});
        assertEquals(c1[0], coeff(s1, "image"), 1e-9);
        assertEquals(c1[1], coeff(s1, "text"), 1e-9);
    }

    @Test
    void directionTermGradientMatchesFiniteDifferencesOfLgm() {
        double lambda = 0.2;
        Cggm cggm = cggm(1.0, lambda, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.FAITHFUL);
        StepReport s0 = cggm.apply(step(0, 3, 8));
        double[] coeff = {coeff(s0, "image"), coeff(s0, "text")};
        float[] w = value(FUSION_OUT);
        float[][] a = {value(IMAGE_OUT), value(TEXT_OUT)};
        // the term built at step 0 from step 0's weights
        double lgm = DirectionTerm.value(coeff, new double[] {DirectionTerm.cosine(a[0], w), DirectionTerm.cosine(a[1], w)});
        assertEquals(lgm, s0.metrics().get("l_gm"), 1e-12);
        assertEquals(0.0, s0.addedLoss(), "nothing pending at the first step");
        // step 1 adds λ·∂L_gm/∂W (at step 0's values) to the fusion out-layer gradient, nothing else
        resetGrads();
        StepReport s1 = cggm.apply(step(1, 4, 8));
        assertEquals(lambda * lgm, s1.addedLoss(), 1e-12);
        float[] before = gradsBefore.get(FUSION_OUT);
        float[] after = grad(FUSION_OUT);
        double h = 1e-3;
        for (int i = 0; i < w.length; i += 7) {
            double[] up = toDouble(w);
            double[] down = toDouble(w);
            up[i] += h;
            down[i] -= h;
            double numeric = (lgmAt(coeff, a, up) - lgmAt(coeff, a, down)) / (2 * h);
            assertEquals(lambda * numeric, after[i] - before[i], 1e-5, "W[" + i + "]");
        }
        // classifier gradients are the classifiers' business: untouched
        assertTrue(java.util.Arrays.equals(gradsBefore.get(IMAGE_OUT), grad(IMAGE_OUT)));
    }

    @Test
    void gradientDirectionModeUsesThisStepsGradientsAtOnce() {
        double lambda = 0.5;
        Cggm cggm = cggm(1.0, lambda, CggmOptions.Direction.GRADIENTS, CggmOptions.Coefficients.FAITHFUL);
        float[] gW = gradsBefore.get(FUSION_OUT);
        float[][] ga = {gradsBefore.get(IMAGE_OUT), gradsBefore.get(TEXT_OUT)};
        StepReport s = cggm.apply(step(0, 2, 6));
        double[] coeff = {coeff(s, "image"), coeff(s, "text")};
        double expectedCos = DirectionTerm.cosine(ga[0], gW);
        assertEquals(expectedCos, s.metrics().get("cos/image"), 1e-12);
        float[] after = grad(FUSION_OUT);
        double h = 1e-3;
        for (int i = 0; i < gW.length; i += 11) {
            double[] up = toDouble(gW);
            double[] down = toDouble(gW);
            up[i] += h;
            down[i] -= h;
            double numeric = (lgmAt(coeff, ga, up) - lgmAt(coeff, ga, down)) / (2 * h);
            assertEquals(gW[i] + lambda * numeric, after[i], 1e-5, "g[" + i + "]");
        }
    }

    @Test
    void guardedCoefficientsNeverGoNegativeAndSurviveAZeroSum() {
        Cggm faithful = cggm(1.0, 0, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.FAITHFUL);
        faithful.apply(step(0, 5, 5));
        resetGrads();
        // image +0.3, text -0.2: S = 0.1, faithful gives coefficients 1-3 = -2 and 3
        StepReport f = faithful.apply(step(1, 8, 3));
        assertTrue(coeff(f, "text") > 2.5 && coeff(f, "image") < -1.5, f.metrics().toString());

        Cggm guarded = cggm(1.0, 0, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.GUARDED);
        StepReport g0 = guarded.apply(step(0, 5, 5));
        // first step: smoothed accuracies start at the batch values, S = 1.0 from zero
        assertFalse(Double.isNaN(coeff(g0, "image")));
        for (int t = 1; t < 30; t++) {
            resetGrads();
            StepReport g = guarded.apply(step(t, t % 2 == 0 ? 8 : 3, t % 2 == 0 ? 3 : 8));
            for (double c : new double[] {coeff(g, "image"), coeff(g, "text")}) {
                assertTrue(c >= 0 && c <= CggmOptions.GUARD_MAX_COEFFICIENT, "coefficient " + c + " at step " + t);
            }
        }
        // a constant accuracy gives S = 0: the guard keeps the previous coefficients
        Cggm steady = cggm(1.0, 0, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.GUARDED);
        steady.apply(step(0, 5, 5));
        StepReport z = steady.apply(step(1, 5, 5));
        assertEquals(1.0, z.metrics().get("guard"));
    }

    @Test
    void stateRoundTripsThroughACheckpoint() {
        Cggm a = cggm(1.3, 0.1, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.GUARDED);
        a.apply(step(0, 3, 8));
        resetGrads();
        a.apply(step(1, 4, 9));
        Cggm b = new Cggm(a.options(), setup);
        b.restore(a.state());
        resetGrads();
        StepReport sa = a.apply(step(2, 6, 9));
        float[] ga = grad(FUSION_OUT);
        resetGrads();
        StepReport sb = b.apply(step(2, 6, 9));
        assertEquals(sa, sb);
        assertEquals(java.util.Arrays.toString(ga), java.util.Arrays.toString(grad(FUSION_OUT)));
    }

    private static double lgmAt(double[] coeff, float[][] a, double[] w) {
        double[] cos = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int i = 0; i < w.length; i++) {
                ab += a[k][i] * w[i];
                aa += (double) a[k][i] * a[k][i];
                bb += w[i] * w[i];
            }
            cos[k] = ab / Math.sqrt(aa * bb);
        }
        return DirectionTerm.value(coeff, cos);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
