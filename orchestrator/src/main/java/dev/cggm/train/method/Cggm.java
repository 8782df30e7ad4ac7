package dev.cggm.train.method;

import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.MultimodalUNet;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.optim.GradientClipping;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Classifier-guided gradient modulation (Guo et al., NeurIPS 2024), step for step as the
 * official code does it, with the documented alternatives of {@link CggmOptions}:
 * <ol>
 *   <li>the direction term pending from the previous step contributes λ·∂L_gm/∂W to the fusion
 *       out-layer weight's gradient (weights mode);</li>
 *   <li>each auxiliary classifier's batch accuracy change gives a coefficient per modality —
 *       faster improving modalities get smaller ones;</li>
 *   <li>the new direction term is built from cosines between each classifier's out-layer and the
 *       fusion out-layer;</li>
 *   <li>every gradient of modality m's encoder is multiplied by coeff_m·ρ.</li>
 * </ol>
 * The classifiers themselves learn from their own losses (the training graph gives their
 * gradients from detached encoder outputs); the trainer then clips and steps as usual.
 */
public final class Cggm implements BalancingMethod, GradientTransform {
    public static final MethodDescriptor<CggmOptions> DESCRIPTOR = new MethodDescriptor<>("cggm",
            "classifier-guided gradient modulation (Guo et al., NeurIPS 2024)", CggmOptions.class,
            CggmOptions::defaults, List.of(CggmModel.ID, MultimodalUNet.ID), Set.of(ModelFeature.AUXILIARY_CLASSIFIERS), 2,
            Integer.MAX_VALUE, Cggm::new);

    private final CggmOptions options;
    private final List<String> modalities;
    private double[] previousAccuracy;
    private double[] smoothedAccuracy;
    private double[] previousCoefficients;
    /** The direction term built last step (weights mode), applied this step. */
    private Pending pending;

    private record Pending(double[] coefficients, float[][] classifierWeights, float[] fusionWeight, double value) {
    }

    public Cggm(CggmOptions options, MethodSetup setup) {
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        int m = modalities.size();
        this.previousAccuracy = new double[m];
        this.previousCoefficients = filled(m, 1.0);
    }

    public CggmOptions options() {
        return options;
    }

    @Override
    public GradientTransform gradients() {
        return this;
    }

    @Override
    public StepReport apply(StepContext step) {
        int m = modalities.size();
        ModelRoles roles = step.roles();
        ParameterSet.Param fusionOut = roles.headOut().weight();

        // 1. last step's direction term joins this step's fusion out-layer gradient (weights mode)
        double addedLoss = 0;
        if (options.direction() == CggmOptions.Direction.WEIGHTS && pending != null) {
            DirectionTerm.addGradient(fusionOut.grad(), options.lambda(), pending.coefficients(),
                    pending.classifierWeights(), pending.fusionWeight());
            addedLoss = options.lambda() * pending.value();
        }

        // 2. coefficients from the change of each classifier's batch accuracy
        double[] accuracy = new double[m];
        for (int k = 0; k < m; k++) {
            accuracy[k] = step.modalityAgreement(modalities.get(k));
        }
        boolean guardTriggered = false;
        double[] coeff;
        if (options.coefficients() == CggmOptions.Coefficients.FAITHFUL) {
            coeff = faithfulCoefficients(accuracy, previousAccuracy);
            previousAccuracy = accuracy;
        } else {
            double[] smoothed = smooth(accuracy);
            double[] guarded = guardedCoefficients(smoothed, previousAccuracy);
            guardTriggered = guarded == null || clamped(guarded);
            coeff = guarded == null ? previousCoefficients.clone() : clamp(guarded);
            previousAccuracy = smoothed;
        }
        previousCoefficients = coeff;

        // 3. the direction term from out-layer cosines
        float[][] classifierTensors = new float[m][];
        for (int k = 0; k < m; k++) {
            ParameterSet.Param w = roles.auxiliaryOut(modalities.get(k)).weight();
            classifierTensors[k] = copy(options.direction() == CggmOptions.Direction.WEIGHTS ? w.value() : w.grad(), w.size());
        }
        float[] fusionTensor = copy(options.direction() == CggmOptions.Direction.WEIGHTS
                ? fusionOut.value() : fusionOut.grad(), fusionOut.size());
        double[] cos = new double[m];
        for (int k = 0; k < m; k++) {
            cos[k] = DirectionTerm.cosine(classifierTensors[k], fusionTensor);
        }
        double balance = DirectionTerm.value(coeff, cos);
        if (options.direction() == CggmOptions.Direction.WEIGHTS) {
            pending = new Pending(coeff.clone(), classifierTensors, fusionTensor, balance);
        } else {
            DirectionTerm.addGradient(fusionOut.grad(), options.lambda(), coeff, classifierTensors, fusionTensor);
            addedLoss = options.lambda() * balance;
        }

        // 4. encoder gradients × coeff·ρ (faithful on segmentation: the official code's names match nothing)
        boolean scale = options.encoderScaling() == CggmOptions.EncoderScaling.ENCODERS
                || step.task() != Tasks.SEGMENTATION;
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int k = 0; k < m; k++) {
            String modality = modalities.get(k);
            float factor = (float) (coeff[k] * options.rho());
            for (ParameterSet.Param p : scale ? roles.encoder(modality) : List.<ParameterSet.Param>of()) {
                GradientClipping.scale(p.grad(), p.size(), factor);
            }
            metrics.put("coeff/" + modality, coeff[k]);
            metrics.put("cos/" + modality, cos[k]);
        }
        metrics.put("l_gm", balance);
        if (guardTriggered) {
            metrics.put("guard", 1.0);
        }
        return new StepReport(metrics, addedLoss);
    }

    /** coeff_m = (S − d_m)/S with d = acc − previous and S = Σd + 1e-8 (the reference's formula). */
    static double[] faithfulCoefficients(double[] accuracy, double[] previous) {
        int m = accuracy.length;
        double[] d = new double[m];
        double s = 1e-8;
        for (int k = 0; k < m; k++) {
            d[k] = accuracy[k] - previous[k];
            s += d[k];
        }
        double[] c = new double[m];
        for (int k = 0; k < m; k++) {
            c[k] = (s - d[k]) / s;
        }
        return c;
    }

    /** The faithful formula on smoothed accuracies, or null when |S| is too small to divide by. */
    private static double[] guardedCoefficients(double[] smoothed, double[] previous) {
        double s = 0;
        for (int k = 0; k < smoothed.length; k++) {
            s += smoothed[k] - previous[k];
        }
        return Math.abs(s) < CggmOptions.GUARD_MIN_SUM ? null : faithfulCoefficients(smoothed, previous);
    }

    private double[] smooth(double[] accuracy) {
        if (smoothedAccuracy == null) {
            smoothedAccuracy = accuracy.clone();
        } else {
            double beta = CggmOptions.GUARD_SMOOTHING;
            for (int k = 0; k < accuracy.length; k++) {
                smoothedAccuracy[k] = beta * smoothedAccuracy[k] + (1 - beta) * accuracy[k];
            }
        }
        return smoothedAccuracy.clone();
    }

    private static boolean clamped(double[] c) {
        for (double v : c) {
            if (v < 0 || v > CggmOptions.GUARD_MAX_COEFFICIENT) {
                return true;
            }
        }
        return false;
    }

    private static double[] clamp(double[] c) {
        double[] out = new double[c.length];
        for (int k = 0; k < c.length; k++) {
            out[k] = Math.max(0, Math.min(CggmOptions.GUARD_MAX_COEFFICIENT, c[k]));
        }
        return out;
    }

    private static float[] copy(java.nio.FloatBuffer b, int n) {
        float[] out = new float[n];
        b.get(0, out);
        return out;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    // ---------------------------------------------------------------- checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        s.put("previous_accuracy", HostTensor.of(previousAccuracy.clone(), previousAccuracy.length));
        s.put("previous_coefficients", HostTensor.of(previousCoefficients.clone(), previousCoefficients.length));
        if (smoothedAccuracy != null) {
            s.put("smoothed_accuracy", HostTensor.of(smoothedAccuracy.clone(), smoothedAccuracy.length));
        }
        if (pending != null) {
            s.put("pending/coefficients", HostTensor.of(pending.coefficients().clone(), pending.coefficients().length));
            s.put("pending/value", HostTensor.of(new double[] {pending.value()}, 1));
            s.put("pending/fusion", HostTensor.of(pending.fusionWeight().clone(), pending.fusionWeight().length));
            for (int k = 0; k < pending.classifierWeights().length; k++) {
                float[] w = pending.classifierWeights()[k];
                s.put("pending/classifier/" + k, HostTensor.of(w.clone(), w.length));
            }
        }
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        previousAccuracy = s.get("previous_accuracy").toDoubles().clone();
        previousCoefficients = s.get("previous_coefficients").toDoubles().clone();
        smoothedAccuracy = s.containsKey("smoothed_accuracy") ? s.get("smoothed_accuracy").toDoubles().clone() : null;
        pending = null;
        if (s.containsKey("pending/coefficients")) {
            int m = modalities.size();
            float[][] cls = new float[m][];
            for (int k = 0; k < m; k++) {
                cls[k] = s.get("pending/classifier/" + k).floats().clone();
            }
            pending = new Pending(s.get("pending/coefficients").toDoubles().clone(), cls,
                    s.get("pending/fusion").floats().clone(), s.get("pending/value").item());
        }
    }
}
