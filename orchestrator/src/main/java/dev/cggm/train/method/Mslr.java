package dev.cggm.train.method;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.onnx.models.LateFusion;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.Evaluation;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.Choice;
import dev.cggm.train.config.InvalidOption;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Modality-specific learning rates (MSLR, Yao &amp; Mihalcea, Findings of ACL 2022): each
 * modality's encoder (and projection) trains at its own multiple of the scheduled learning rate,
 * the rest of the model at the scheduled rate, through the step plan's per-parameter rate factor.
 * {@link Strategy#STATIC} keeps the given factors ("keep" in the paper); {@link Strategy#DYNAMIC}
 * starts from them and, after every {@code history} epochs, multiplies each modality's factor by
 * its validation accuracy (of its own output) over the mean of its last {@code history}
 * validation accuracies — a modality still improving speeds up, one that stalls or drops slows
 * down. The paper's code is not public; the dynamic rule follows a public re-implementation
 * of the paper's description.
 */
public final class Mslr implements BalancingMethod {
    /** How the factors evolve. */
    public enum Strategy {
        /** The given factors throughout. */
        STATIC,
        /** Factors adjusted by each modality's validation accuracy every {@code history} epochs. */
        DYNAMIC;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Strategy of(String id) {
            return Choice.parse(Strategy.class, "", id);
        }
    }

    /** Options of MSLR. */
    public record Options(
            @Doc("'static' factors, or 'dynamic' (adjusted by each modality's validation accuracy)") Strategy strategy,
            @Doc("learning-rate factors of modality encoders, e.g. 'text=0.1,image=2' (unnamed modalities: 1)")
            String ratios,
            @Doc("epochs of validation accuracy per dynamic adjustment (>= 1)") int history) implements MethodOptions {
        public Options {
            InvalidOption.required("strategy", strategy);
            ratios = ratios == null ? "" : ratios.trim();
            parse(ratios);
            InvalidOption.range("history", history, 1, Integer.MAX_VALUE);
        }

        /** Dynamic from equal rates, adjusted every 5 epochs (the re-implementation's defaults). */
        public static Options defaults(String preset) {
            return new Options(Strategy.DYNAMIC, "", 5);
        }

        /** The factors by modality name; an error naming the entry for a malformed one. */
        static Map<String, Double> parse(String ratios) {
            Map<String, Double> out = new LinkedHashMap<>();
            if (ratios.isEmpty()) {
                return out;
            }
            for (String entry : ratios.split(",")) {
                String[] kv = entry.split("=", -1);
                if (kv.length != 2 || kv[0].isBlank()) {
                    throw new InvalidOption("ratios", "expected MODALITY=FACTOR entries separated by commas, got '"
                            + entry.trim() + "'");
                }
                String name = kv[0].trim();
                double v;
                try {
                    v = Double.parseDouble(kv[1].trim());
                } catch (NumberFormatException e) {
                    throw new InvalidOption("ratios", "the factor of '" + name + "' is not a number: '" + kv[1].trim() + "'");
                }
                if (!Double.isFinite(v) || v <= 0) {
                    throw new InvalidOption("ratios", "the factor of '" + name + "' must be a finite number > 0, got " + v);
                }
                if (out.put(name, v) != null) {
                    throw new InvalidOption("ratios", "modality '" + name + "' is given twice");
                }
            }
            return out;
        }
    }

    public static final MethodDescriptor<Options> DESCRIPTOR = new MethodDescriptor<>("mslr",
            "modality-specific learning rates (Yao & Mihalcea, 2022)", Options.class, Options::defaults,
            List.of(LateFusion.ID, CggmModel.ID), Set.of(), 1, Integer.MAX_VALUE, Mslr::new);

    private final Options options;
    private final List<String> modalities;
    private double[] factors;
    /** The last {@code history} validation accuracies per modality, oldest first; {@code seen} of them valid. */
    private double[][] history;
    private int seen;
    private Map<String, Integer> modalityOfParameter;

    public Mslr(Options options, MethodSetup setup) {
        this.options = options;
        this.modalities = List.copyOf(setup.modalities());
        Map<String, Double> given = Options.parse(options.ratios());
        for (String name : given.keySet()) {
            if (!modalities.contains(name)) {
                throw new InvalidOption("method.ratios", "names modality '" + name + "', which the data does not have "
                        + "(its modalities: " + String.join(", ", modalities) + ")");
            }
        }
        this.factors = new double[modalities.size()];
        for (int k = 0; k < factors.length; k++) {
            factors[k] = given.getOrDefault(modalities.get(k), 1.0);
        }
        this.history = new double[modalities.size()][options.history()];
    }

    @Override
    public StepPlan plan(StepContext step) {
        if (modalityOfParameter == null) {
            Map<String, Integer> owner = new HashMap<>();
            for (int k = 0; k < modalities.size(); k++) {
                for (ParameterSet.Param p : step.roles().modality(modalities.get(k))) {
                    owner.put(p.name(), k);
                }
            }
            modalityOfParameter = owner;
        }
        double[] now = factors.clone();
        Map<String, Integer> owner = modalityOfParameter;
        return StepPlan.of(StepPlan.Pass.DEFAULT.withLrScale(p -> {
            Integer k = owner.get(p.name());
            return k == null ? 1.0 : now[k];
        }));
    }

    @Override
    public GradientTransform gradients() {
        return step -> {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int k = 0; k < modalities.size(); k++) {
                m.put("lr_scale/" + modalities.get(k), factors[k]);
            }
            return new StepReport(m, 0);
        };
    }

    @Override
    public void onEpochEnd(RunContext run, Evaluation validation) {
        if (options.strategy() == Strategy.STATIC) {
            return;
        }
        Map<String, Double> acc = validation.modalityAccuracy();
        int h = options.history();
        for (int k = 0; k < modalities.size(); k++) {
            System.arraycopy(history[k], 1, history[k], 0, h - 1);
            history[k][h - 1] = acc.get(modalities.get(k));
        }
        seen = Math.min(h, seen + 1);
        if ((run.epoch() + 1) % h != 0) {
            return;
        }
        factors = adjusted(factors, history, seen);
        StringBuilder line = new StringBuilder("mslr: learning-rate factors");
        for (int k = 0; k < modalities.size(); k++) {
            line.append(' ').append(modalities.get(k)).append('=').append(String.format(java.util.Locale.ROOT, "%.4g", factors[k]));
        }
        run.log(line.toString());
    }

    /**
     * Each factor × (latest accuracy / mean of the last {@code seen} accuracies); unchanged where
     * that mean is 0 or a value is not finite.
     */
    static double[] adjusted(double[] factors, double[][] history, int seen) {
        double[] out = factors.clone();
        for (int k = 0; k < factors.length; k++) {
            double[] hk = history[k];
            double mean = 0;
            for (int i = hk.length - seen; i < hk.length; i++) {
                mean += hk[i] / seen;
            }
            double ratio = hk[hk.length - 1] / mean;
            if (mean > 0 && Double.isFinite(ratio)) {
                out[k] = factors[k] * ratio;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- checkpoint state

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        s.put("factors", HostTensor.of(factors.clone(), factors.length));
        double[] flat = new double[modalities.size() * options.history()];
        for (int k = 0; k < modalities.size(); k++) {
            System.arraycopy(history[k], 0, flat, k * options.history(), options.history());
        }
        s.put("history", HostTensor.of(flat, modalities.size(), options.history()));
        s.put("seen", HostTensor.of(new double[] {seen}, 1));
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> s) {
        factors = s.get("factors").toDoubles().clone();
        double[] flat = s.get("history").toDoubles();
        for (int k = 0; k < modalities.size(); k++) {
            System.arraycopy(flat, k * options.history(), history[k], 0, options.history());
        }
        seen = (int) s.get("seen").item();
    }
}
