package dev.cggm.train.modulation;

/**
 * Options of {@link Cggm}.
 *
 * @param rho          encoder gradients are scaled by coefficient × ρ
 * @param lambda       weight λ of the direction term L_gm
 * @param direction    what the direction term compares with the fusion out-layer
 * @param coefficients how accuracy changes become coefficients
 */
public record CggmOptions(double rho, double lambda, Direction direction, Coefficients coefficients) {
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
        GRADIENTS
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
        GUARDED
    }

    public static final double GUARD_SMOOTHING = 0.9;
    public static final double GUARD_MIN_SUM = 1e-3;
    public static final double GUARD_MAX_COEFFICIENT = 2.0;

    public CggmOptions {
        if (rho <= 0 || lambda < 0) {
            throw new IllegalArgumentException("need rho > 0 and lambda >= 0, got rho " + rho + ", lambda " + lambda);
        }
    }
}
