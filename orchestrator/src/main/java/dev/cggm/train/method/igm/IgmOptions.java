package dev.cggm.train.method.igm;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.train.config.Choice;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.method.Doc;
import dev.cggm.train.method.MethodOptions;

import java.util.List;

/**
 * Options of {@link Igm}; defaults from the official CREMA-D configuration (τ 0.4, flat ratio
 * 0.3, ρ 1e-10, mixup Beta(1, 1)).
 *
 * @param stageEpochs  epochs of each modality's stages in model order, or one value for all; empty: {@link IgmStages#auto}
 * @param tau          the projection's temperature τ
 * @param flatRatio    f: the step minimises (1 − f)·L_mixup + f·L_flat
 * @param flat         how the flat loss is taken
 * @param flatRho      ρ: perturbation radius of the trained encoder's parameters (per tensor)
 * @param flatRhoHead  perturbation radius of the trained head's parameters (per tensor)
 * @param mixupAlpha   a of λ ~ Beta(a, a); 0 turns mixup off
 * @param projected    which layers' gradients are projected
 * @param stageLrStep  the official per-stage StepLR: the learning rate × stageLrGamma every N epochs of a stage (0: off)
 * @param stageLrGamma its factor
 */
public record IgmOptions(
        @Doc("epochs of each modality's stage, in model order, comma-separated, or one value for all; the stages cycle "
                + "through the modalities until the run's epochs end; empty (default): two cycles, each stage "
                + "epochs/(2 x modalities) long") List<Integer> stageEpochs,
        @Doc("temperature tau of the projection exp(-tau * normalised singular value) (>= 0)") double tau,
        @Doc("weight f of the flat loss: the step minimises (1 - f) * mixup loss + f * loss at perturbed weights, in [0, 1]")
        double flatRatio,
        @Doc("flat step: 'faithful' (official: the flat_rho perturbation is never reverted) or 'sam' (perturb, "
                + "re-differentiate, restore)") Flat flat,
        @Doc("perturbation radius of the trained encoder's parameters, per tensor (>= 0; official 1e-10)") double flatRho,
        @Doc("perturbation radius of the trained head's parameters, per tensor (>= 0; official 1e-10)") double flatRhoHead,
        @Doc("mixup of the trained modality's input with lambda ~ Beta(a, a) (>= 0; 0: no mixup)") double mixupAlpha,
        @Doc("layers whose gradients are projected: 'head' (the heads' linear layers, as the official Sarcasm/Twitter "
                + "code) or 'all' (also the encoders', as its CREMA-D/Kinetics-Sounds code)") Projected projected,
        @Doc("per-stage step decay: lr x stage_lr_gamma every N epochs of a stage, as the official StepLR (0: off)")
        int stageLrStep,
        @Doc("factor of the per-stage step decay, in (0, 1]") double stageLrGamma) implements MethodOptions {

    /** How the flat loss L_flat is taken. */
    public enum Flat {
        /**
         * As the official code: the trained modality's parameters are moved by ρ·g/‖g‖ (g the
         * mixup loss's gradient, per tensor) and stay there; L_flat is the cross-entropy with the
         * original labels at the moved parameters. With the official ρ (1e-10) the move is below
         * float precision, so the step is (1 − f)·∇L_mixup + f·∇CE.
         */
        FAITHFUL,
        /**
         * Sharpness-aware: the same move, the gradient of L_flat taken there, then the parameters
         * restored before the optimizer steps.
         */
        SAM;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Flat of(String id) {
            return Choice.parse(Flat.class, "", id);
        }
    }

    /** Which layers' gradients the projection modifies (and whose inputs are hooked). */
    public enum Projected {
        /** The linear layers of the heads. */
        HEAD,
        /** The linear layers of the encoders and the heads. */
        ALL;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Projected of(String id) {
            return Choice.parse(Projected.class, "", id);
        }
    }

    public IgmOptions {
        stageEpochs = stageEpochs == null ? List.of() : stageEpochs;
        if (stageEpochs.stream().anyMatch(n -> n == null || n < 1)) {
            throw new InvalidOption("stage_epochs", "must be epoch counts >= 1 (or none for the default), got " + stageEpochs);
        }
        stageEpochs = List.copyOf(stageEpochs);
        InvalidOption.nonNegative("tau", tau);
        InvalidOption.within("flat_ratio", flatRatio, 0, 1, false);
        InvalidOption.required("flat", flat);
        InvalidOption.nonNegative("flat_rho", flatRho);
        InvalidOption.nonNegative("flat_rho_head", flatRhoHead);
        InvalidOption.nonNegative("mixup_alpha", mixupAlpha);
        InvalidOption.required("projected", projected);
        InvalidOption.range("stage_lr_step", stageLrStep, 0, Integer.MAX_VALUE);
        InvalidOption.within("stage_lr_gamma", stageLrGamma, Double.MIN_VALUE, 1, false);
    }

    /** The official CREMA-D values, and stages of the run's length (two cycles through the modalities). */
    public static IgmOptions defaults(String preset) {
        return new IgmOptions(List.of(), 0.4, 0.3, Flat.FAITHFUL, 1e-10, 1e-10, 1.0, Projected.HEAD, 0, 0.1);
    }
}
