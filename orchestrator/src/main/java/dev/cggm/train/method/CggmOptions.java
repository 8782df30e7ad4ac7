package dev.cggm.train.method;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cggm.train.config.Choice;
import dev.cggm.train.config.InvalidOption;

/**
 * Options of {@link Cggm}.
 *
 * @param rho          encoder gradients are scaled by coefficient × ρ
 * @param lambda       weight λ of the direction term L_gm
 * @param direction    what the direction term compares with the fusion out-layer
 * @param coefficients how accuracy changes become coefficients
 * @param encoderScaling which parameters the coefficients scale
 */
public record CggmOptions(
        @Doc("encoder gradients are scaled by coefficient x rho (> 0)") double rho,
        @Doc("weight of the direction term L_gm (>= 0)") double lambda,
        @Doc("direction term from out-layer 'weights' (official code) or 'gradients' (paper)") Direction direction,
        @Doc("coefficients 'faithful' (official formula) or 'guarded' (smoothed, kept when S ~ 0, clamped to [0, 2])")
        Coefficients coefficients,
        @Doc("coefficients scale the 'encoders' (default) or, 'faithful' to the official code, only what its name "
                + "matching reaches: nothing on segmentation (only the direction term acts)")
        EncoderScaling encoderScaling) implements MethodOptions {

    /** Which gradients the coefficients scale. */
    public enum EncoderScaling {
        /** Every parameter of each modality's encoder (its {@code encoder/<m>} group): what the paper describes. */
        ENCODERS,
        /**
         * What the official code's scaling reaches. It matches parameter names — {@code vision_encoder}
         * and {@code text_encoder} on Food-101, {@code encoders.<i>} on MOSI and IEMOCAP, the names of
         * the real encoders there — and on BraTS the same {@code vision_encoder}/{@code text_encoder},
         * which its segmentation model does not have: there no gradient is scaled and only the
         * direction term acts. So: the encoders, except on segmentation, where nothing.
         */
        FAITHFUL;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static EncoderScaling of(String id) {
            return Choice.parse(EncoderScaling.class, "", id);
        }
    }

    /** The direction term's operands. */
    public enum Direction {
        /**
         * As the official code: cosines between the classifiers' and the fusion module's
         * out-layer <em>weights</em>; the term is built at step t and its gradient with respect
         * to the fusion out-layer weight (evaluated at step t's values) joins step t+1's.
         */
        WEIGHTS,
        /**
         * As the paper states: cosines between the out-layer <em>gradients</em> of this step. The
         * term's derivative with respect to the fusion out-layer gradient is added to that
         * gradient at once — a first-order form that turns the update toward the coefficient-
         * weighted classifier directions without second derivatives.
         */
        GRADIENTS;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Direction of(String id) {
            return Choice.parse(Direction.class, "", id);
        }
    }

    /** How coefficients come from the classifiers' batch accuracies. */
    public enum Coefficients {
        /**
         * As the official code: d_m = acc_m(t) − acc_m(t−1), S = Σd + 1e-8,
         * coeff_m = (S − d_m)/S. S can be (near) 0, giving huge or negative coefficients.
         */
        FAITHFUL,
        /**
         * Accuracies smoothed by an exponential moving average (0.9); when |S| &lt; 1e-3 the
         * previous coefficients are kept; coefficients are clamped to [0, 2], so no encoder is
         * ever pushed up its gradient.
         */
        GUARDED;

        @JsonValue
        public String id() {
            return Choice.id(this);
        }

        @JsonCreator
        public static Coefficients of(String id) {
            return Choice.parse(Coefficients.class, "", id);
        }
    }

    public static final double GUARD_SMOOTHING = 0.9;
    public static final double GUARD_MIN_SUM = 1e-3;
    public static final double GUARD_MAX_COEFFICIENT = 2.0;

    public CggmOptions {
        InvalidOption.positive("rho", rho);
        InvalidOption.nonNegative("lambda", lambda);
        InvalidOption.required("direction", direction);
        InvalidOption.required("coefficients", coefficients);
        encoderScaling = encoderScaling == null ? EncoderScaling.ENCODERS : encoderScaling;
    }

    /**
     * The official run scripts' values: ρ 1.3 (1.0 on BraTS); λ 0.05 on Food-101, 0.2 on MOSI and
     * IEMOCAP, 0.1 otherwise (BraTS too).
     */
    public static CggmOptions defaults(String preset) {
        double lambda = switch (preset) {
            case "food101" -> 0.05;
            case "mosi", "iemocap" -> 0.2;
            default -> 0.1;
        };
        double rho = "brats".equals(preset) ? 1.0 : 1.3;
        return new CggmOptions(rho, lambda, Direction.WEIGHTS, Coefficients.FAITHFUL, EncoderScaling.ENCODERS);
    }
}
