package dev.cggm.onnx.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A segmentation's figures over a split: the Dice of each region (per sample, then averaged over
 * the samples) and their mean, {@code dice}, the selection score. Names: {@code dice},
 * {@code dice_wt}, {@code dice_tc}, {@code dice_et} (BraTS), or {@code dice_class<c>}.
 *
 * @param regions region names in order
 * @param perRegion the mean Dice of each region
 * @param count samples
 */
public record SegmentationMetrics(List<String> regions, double[] perRegion, int count) implements TaskMetrics {
    /** The mean of the regions' Dice (NaN with no samples). */
    public double meanDice() {
        double s = 0;
        for (double d : perRegion) {
            s += d;
        }
        return perRegion.length == 0 || count == 0 ? Double.NaN : s / perRegion.length;
    }

    @Override
    public Map<String, Double> values() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("dice", meanDice());
        for (int k = 0; k < regions.size(); k++) {
            m.put("dice_" + regions.get(k), count == 0 ? Double.NaN : perRegion[k]);
        }
        return m;
    }

    /** Mean Dice. */
    @Override
    public double score() {
        return meanDice();
    }
}
