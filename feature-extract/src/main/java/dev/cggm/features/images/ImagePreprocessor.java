package dev.cggm.features.images;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Turns an RGB image into normalised {@code pixel_values} (channel-first, row-major) following a
 * {@link PreprocessorConfig}: resize with PIL's bilinear filter (a triangle filter whose support
 * widens with the shrink factor, so large photos are area-averaged rather than aliased), cut the
 * centre crop when the configuration has one, then rescale and normalise per channel.
 * Thread-safe (it keeps only a cache of resampling weights per size pair).
 */
public final class ImagePreprocessor {
    private static final int MAX_CACHED_FILTERS = 256;

    private final PreprocessorConfig cfg;
    private final ConcurrentMap<Long, Filter> filters = new ConcurrentHashMap<>();

    public ImagePreprocessor(PreprocessorConfig cfg) {
        this.cfg = cfg;
    }

    public PreprocessorConfig config() {
        return cfg;
    }

    /** Values per image: 3 · height · width. */
    public int pixelCount() {
        return 3 * cfg.height() * cfg.width();
    }

    /** Writes the image's pixel values at {@code dst}'s current position (advancing it). */
    public void write(BufferedImage rgb, FloatBuffer dst) {
        float[] out = new float[pixelCount()];
        toPixels(rgb, out);
        dst.put(out);
    }

    /** The image's pixel values, [3, H, W] row-major. */
    public float[] toPixels(BufferedImage rgb) {
        float[] out = new float[pixelCount()];
        toPixels(rgb, out);
        return out;
    }

    private void toPixels(BufferedImage img, float[] out) {
        BufferedImage rgb = ImageDecoder.toRgb(img);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        int oh = cfg.height();
        int ow = cfg.width();
        float scale = (float) cfg.rescaleFactor();
        float[] mean = cfg.mean();
        float[] std = cfg.std();
        if (w == ow && h == oh && !cfg.centerCrop()) {   // already the input size: resampling is the identity
            int plane = ow * oh;
            for (int c = 0; c < 3; c++) {
                float a = scale / std[c];
                float b = -mean[c] / std[c];
                int shift = 16 - 8 * c;
                for (int i = 0; i < plane; i++) {
                    out[c * plane + i] = ((px[i] >>> shift) & 0xFF) * a + b;
                }
            }
            return;
        }
        // the resized size: the input size, or the shorter side to shortestEdge and the longer one
        // ⌊S·long/short⌋ (as HF); then the window of the centre crop, ⌊(resized − crop)/2⌋ from the top left
        int rw = ow;
        int rh = oh;
        if (cfg.centerCrop()) {
            int s = cfg.shortestEdge();
            rw = w <= h ? s : (int) ((long) s * w / h);
            rh = w <= h ? (int) ((long) s * h / w) : s;
        }
        int top = (rh - oh) / 2;
        int left = (rw - ow) / 2;
        float[][] planes = planes(px);
        int plane = ow * oh;
        if (rw == w && rh == h) {                       // crop only
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < oh; y++) {
                    int row = (y + top) * w + left;
                    for (int x = 0; x < ow; x++) {
                        out[c * plane + y * ow + x] = (planes[c][row + x] * scale - mean[c]) / std[c];
                    }
                }
            }
            return;
        }
        // Separable resize of the crop window only: an output pixel depends on its own row's and
        // column's weights alone, so resizing the whole image and then cropping gives the same
        // values. The vertical pass runs row by row (contiguous, in tap order: the same sums).
        Filter fx = filter(w, rw);
        Filter fy = filter(h, rh);
        float[] tmp = new float[ow * h];
        float[] acc = new float[ow];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {               // horizontal pass: [h, w] → [h, ow]
                fx.apply(planes[c], y * w, tmp, y * ow, left, ow);
            }
            for (int y = 0; y < oh; y++) {              // vertical pass: [h, ow] → [oh, ow]
                int i = y + top;
                Arrays.fill(acc, 0f);
                for (int j = 0, n = fy.taps(i); j < n; j++) {
                    float wj = fy.weight(i, j);
                    int src = (fy.start[i] + j) * ow;
                    for (int x = 0; x < ow; x++) {
                        acc[x] += wj * tmp[src + x];
                    }
                }
                int base = c * plane + y * ow;
                for (int x = 0; x < ow; x++) {
                    out[base + x] = (acc[x] * scale - mean[c]) / std[c];
                }
            }
        }
    }

    /** The resampling weights from n to m samples, computed once per size pair. */
    private Filter filter(int n, int m) {
        if (filters.size() > MAX_CACHED_FILTERS) {   // photo collections of many sizes: keep it bounded
            filters.clear();
        }
        return filters.computeIfAbsent(((long) n << 32) | m, k -> Filter.of(n, m));
    }

    private static float[][] planes(int[] px) {
        float[][] planes = new float[3][px.length];
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            planes[0][i] = (p >>> 16) & 0xFF;
            planes[1][i] = (p >>> 8) & 0xFF;
            planes[2][i] = p & 0xFF;
        }
        return planes;
    }

    /** Precomputed 1-D resampling weights from n inputs to m outputs (PIL's bilinear "precompute_coeffs"). */
    private record Filter(int m, int[] start, int[] count, float[] weights, int stride) {
        static Filter of(int n, int m) {
            double scale = (double) n / m;
            double support = Math.max(scale, 1.0);      // triangle filter, support 1, widened when shrinking
            int k = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[m];
            int[] count = new int[m];
            float[] w = new float[m * k];
            for (int i = 0; i < m; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max(0, (int) (center - support + 0.5));
                int hi = Math.min(n, (int) (center + support + 0.5));
                double total = 0;
                double[] ws = new double[hi - lo];
                for (int j = lo; j < hi; j++) {
                    double t = Math.abs((j - center + 0.5) / support);
                    double v = t < 1 ? 1 - t : 0;
                    ws[j - lo] = v;
                    total += v;
                }
                start[i] = lo;
                count[i] = hi - lo;
                for (int j = 0; j < ws.length && j < k; j++) {
                    w[i * k + j] = (float) (total == 0 ? 0 : ws[j] / total);
                }
            }
            return new Filter(m, start, count, w, k);
        }

        int taps(int i) {
            return Math.min(count[i], stride);
        }

        float weight(int i, int j) {
            return weights[i * stride + j];
        }

        /** Outputs [from, from + n) of one contiguous row at {@code srcOff}, written to dst[dstOff...]. */
        void apply(float[] src, int srcOff, float[] dst, int dstOff, int from, int n) {
            for (int i = from; i < from + n; i++) {
                float acc = 0;
                int s = srcOff + start[i];
                int wo = i * stride;
                for (int j = 0, c = taps(i); j < c; j++) {
                    acc += weights[wo + j] * src[s + j];
                }
                dst[dstOff + i - from] = acc;
            }
        }
    }
}
