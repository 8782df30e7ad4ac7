package dev.cggm.onnx.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * The regions a segmentation is judged on, each a set of labels. With 4 classes they are the
 * BraTS tumour regions (labels 1 necrotic core, 2 oedema, 3 enhancing tumour — BraTS' label 4
 * remapped to 3, as the CGGM code reads the data): whole tumour WT = {1, 2, 3}, tumour core
 * TC = {1, 3}, enhancing tumour ET = {3}. With any other number of classes each foreground class
 * is its own region ({@code class1}, {@code class2}, …).
 *
 * <p>Dice of a region in one sample is the CGGM code's: D = 2·(|P∩T| + ε) / (|P| + |T| + 2ε),
 * ε = 1e-3, P and T the pixels predicted and labelled inside the region — 1 when the region is
 * absent from both.
 */
final class SegmentationRegions {
    static final double EPS = 1e-3;

    /** A region's name and its labels, as a bit mask over label values. */
    record Region(String name, long labels) {
        boolean contains(int label) {
            return label >= 0 && label < 64 && (labels >>> label & 1) != 0;
        }
    }

    private SegmentationRegions() {
    }

    static List<Region> of(int classes) {
        if (classes == 4) {
            return List.of(new Region("wt", 0b1110), new Region("tc", 0b1010), new Region("et", 0b1000));
        }
        List<Region> r = new ArrayList<>();
        for (int c = 1; c < classes; c++) {
            r.add(new Region("class" + c, 1L << c));
        }
        return r;
    }

    /**
     * Per region, the Dice of one sample: {@code scores} holds [C, H·W] class scores from
     * {@code offset} (the predicted label is each pixel's first maximum), {@code targets} the
     * labels from {@code targetOffset}.
     */
    static double[] dice(List<Region> regions, float[] scores, int offset, int classes, int pixels, Targets targets,
                         int targetOffset) {
        int r = regions.size();
        long[] inter = new long[r];
        long[] predicted = new long[r];
        long[] labelled = new long[r];
        for (int p = 0; p < pixels; p++) {
            int best = 0;
            float bestScore = scores[offset + p];
            for (int c = 1; c < classes; c++) {
                float s = scores[offset + c * pixels + p];
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            int label = (int) targets.longAt(targetOffset + p);
            for (int k = 0; k < r; k++) {
                boolean inP = regions.get(k).contains(best);
                boolean inT = regions.get(k).contains(label);
                predicted[k] += inP ? 1 : 0;
                labelled[k] += inT ? 1 : 0;
                inter[k] += inP && inT ? 1 : 0;
            }
        }
        double[] d = new double[r];
        for (int k = 0; k < r; k++) {
            d[k] = 2 * (inter[k] + EPS) / (predicted[k] + labelled[k] + 2 * EPS);
        }
        return d;
    }
}
