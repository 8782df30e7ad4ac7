package dev.cggm.onnx.graph;

/**
 * How {@link GraphBuilder#softDiceLoss} counts: which classes, pooled or per class, and the
 * smoothing terms added to the numerator and the denominator of each Dice ratio.
 *
 * @param includeBackground whether class 0 takes part
 * @param perClass          mean of per-class Dice ratios (true) or one ratio over all counted classes (false)
 * @param smoothNumerator   added to 2·intersection
 * @param smoothDenominator added to Σp + Σt (keeps an absent class finite)
 */
public record SoftDice(boolean includeBackground, boolean perClass, double smoothNumerator, double smoothDenominator) {
    /**
     * The official CGGM segmentation loss (zrguo/CGGM {@code SegLoss}): foreground classes pooled,
     * D = 2·Σp·t / (Σp + Σt + 0.01).
     */
    public static SoftDice cggm() {
        return new SoftDice(false, false, 0, 0.01);
    }

    /** The usual per-class soft Dice over the foreground classes, {@code smooth} on both sides (e.g. 1e-5). */
    public static SoftDice perClass(double smooth) {
        return new SoftDice(false, true, smooth, smooth);
    }
}
