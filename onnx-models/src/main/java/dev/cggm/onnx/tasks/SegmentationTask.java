package dev.cggm.onnx.tasks;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.SoftDice;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;

import java.util.Arrays;
import java.util.List;

/**
 * Semantic segmentation (BraTS): an int64 label map {@code [batch, H, W]} per sample, class scores
 * {@code [batch, C, H, W]} out. The loss is the paper's: per-pixel softmax cross-entropy with
 * class weights — BraTS' (0.2, 0.3, 0.25, 0.25) with 4 classes, as the CGGM code; equal
 * otherwise — plus the soft Dice loss 1 − D of the foreground classes pooled (λ₁ = 1; the CGGM
 * code weighs the two 0.5/0.5). Metrics: the Dice of each {@linkplain SegmentationRegions region}
 * per sample, averaged over the samples, and their mean {@code dice}, which picks the best model;
 * a modality's agreement is its output's per-sample mean Dice averaged over the batch — what the
 * CGGM code turns into coefficients.
 */
final class SegmentationTask implements Task {
    /** The CGGM code's class weights for BraTS (background, necrotic core, oedema, enhancing tumour). */
    static final float[] BRATS_CLASS_WEIGHTS = {0.2f, 0.3f, 0.25f, 0.25f};

    @Override
    public String id() {
        return "segmentation";
    }

    @Override
    public TensorType targetType(Dim batch, DType floatType, Dim... spatial) {
        if (spatial.length != 2) {
            throw new IllegalArgumentException("segmentation targets are label maps [H, W]; give their two spatial "
                    + "dimensions, got " + spatial.length);
        }
        return TensorType.of(DType.INT64, batch, spatial[0], spatial[1]);
    }

    @Override
    public int outputDim(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("segmentation needs at least 2 classes (background and one more), got "
                    + numClasses);
        }
        return numClasses;
    }

    @Override
    public Value loss(GraphBuilder b, Value output, Value target) {
        if (output.rank() != 4 || !output.dim(1).isKnown()) {
            throw new IllegalArgumentException("segmentation scores must be [batch, C, H, W] with a static C, got "
                    + output.shape());
        }
        int classes = (int) output.dim(1).size();
        Value weights = b.cast(b.constant(Tensors.floats("", new long[] {classes}, classWeights(classes))), output.dtype());
        return b.add(b.softmaxCrossEntropy(output, target, weights), b.softDiceLoss(output, target, SoftDice.cggm()));
    }

    /** BraTS' weights with 4 classes, else 1 per class. */
    static float[] classWeights(int classes) {
        if (classes == BRATS_CLASS_WEIGHTS.length) {
            return BRATS_CLASS_WEIGHTS.clone();
        }
        float[] w = new float[classes];
        Arrays.fill(w, 1f);
        return w;
    }

    @Override
    public String agreementName() {
        return "mean Dice";
    }

    /**
     * {@inheritDoc} {@code outputDim} may be the values per sample (C·H·W, as the trainer passes
     * it) or the class count C: the output's length tells which.
     */
    @Override
    public double agreement(float[] output, int outputDim, Targets targets) {
        int n = targets.rows();
        if (n == 0) {
            return 0;
        }
        int pixels = targets.valuesPerSample();
        int classes = classes(output.length, outputDim, targets);
        List<SegmentationRegions.Region> regions = SegmentationRegions.of(classes);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double[] d = SegmentationRegions.dice(regions, output, i * classes * pixels, classes, pixels, targets,
                    i * pixels);
            sum += Arrays.stream(d).average().orElse(Double.NaN);
        }
        return sum / n;
    }

    @Override
    public TaskMetrics evaluate(float[] outputs, int outputDim, Targets targets) {
        TaskMetrics.Accumulator a = accumulator(classes(outputs.length, outputDim, targets), targets);
        a.add(0, outputs, targets.rows());
        return a.result();
    }

    /** Per-sample Dice summed batch by batch: a split's scores are never held at once. */
    @Override
    public TaskMetrics.Accumulator accumulator(int outputDim, Targets targets) {
        int pixels = targets.valuesPerSample();
        // values per sample (C·H·W) or the class count C (always fewer than the pixels)
        int classes = outputDim >= 2 * pixels && outputDim % pixels == 0 ? outputDim / pixels : outputDim;
        List<SegmentationRegions.Region> regions = SegmentationRegions.of(classes);
        List<String> names = regions.stream().map(SegmentationRegions.Region::name).toList();
        double[] sums = new double[regions.size()];
        int[] count = {0};
        return new TaskMetrics.Accumulator() {
            @Override
            public void add(int firstRow, float[] outputs, int rows) {
                if (rows == 0) {
                    return;
                }
                if ((long) rows * classes * pixels != outputs.length) {
                    throw new IllegalArgumentException(rows + " samples of " + classes + " x " + pixels
                            + " scores need " + (long) rows * classes * pixels + " values, got " + outputs.length);
                }
                for (int i = 0; i < rows; i++) {
                    double[] d = SegmentationRegions.dice(regions, outputs, i * classes * pixels, classes, pixels,
                            targets, (firstRow + i) * pixels);
                    for (int k = 0; k < d.length; k++) {
                        sums[k] += d[k];
                    }
                }
                count[0] += rows;
            }

            @Override
            public TaskMetrics result() {
                double[] mean = new double[sums.length];
                for (int k = 0; k < sums.length; k++) {
                    mean[k] = count[0] == 0 ? Double.NaN : sums[k] / count[0];
                }
                return new SegmentationMetrics(names, mean, count[0]);
            }
        };
    }

    /** The class count of {@code length} scores for the targets' rows: {@code outputDim} itself, or per sample ÷ pixels. */
    private static int classes(int length, int outputDim, Targets targets) {
        int pixels = targets.valuesPerSample();
        long rows = targets.rows();
        if (rows * outputDim * pixels == length && outputDim >= 2) {
            return outputDim;
        }
        if (rows * outputDim == length && outputDim % pixels == 0 && outputDim / pixels >= 2) {
            return outputDim / pixels;
        }
        throw new IllegalArgumentException(rows + " label maps of " + pixels + " pixels do not fit " + length
                + " scores (" + outputDim + " per sample or classes)");
    }

    @Override
    public void check(Targets targets, int numClasses, String[] ids, String split) {
        if (targets.dtype() != DType.INT64 || targets.perSampleShape().length != 2) {
            throw new IllegalArgumentException("the " + split + " split holds " + targets.dtype().name().toLowerCase()
                    + " targets of shape " + Arrays.toString(targets.perSampleShape())
                    + "; segmentation needs a label map [H, W] per sample");
        }
        int per = targets.valuesPerSample();
        for (int row = 0; row < targets.rows(); row++) {
            for (int i = 0; i < per; i++) {
                long y = targets.longAt(row * per + i);
                if (y < 0 || y >= numClasses) {
                    long w = targets.perSampleShape()[1];
                    throw new IllegalArgumentException("sample '" + ids[row] + "' of the " + split + " split has label "
                            + y + " at pixel [" + i / w + ", " + i % w + "], outside the " + numClasses + " classes 0.."
                            + (numClasses - 1));
                }
            }
        }
    }

    @Override
    public String scoreMetric() {
        return "dice";
    }

    @Override
    public String toString() {
        return id();
    }
}
