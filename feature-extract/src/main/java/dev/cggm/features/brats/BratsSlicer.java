package dev.cggm.features.brats;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.store.FeatureRow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts a case into the 2-D training samples of the CGGM code's BraTS loader: labels 4 → 3, every
 * axial slice (fixed z) whose label map is not empty, the centre {@code crop}×{@code crop} of it
 * (offsets round((n − crop)/2) as Python rounds, half to even). Before that, with
 * {@code zscore}, each modality is standardised over the case's brain voxels (its non-zero
 * voxels; the skull-stripped background stays 0). A sample's modality is the slice [x, y] row-major
 * (x the row), as numpy indexes {@code image[c, :, :, z]} of the official h5 volumes.
 */
public final class BratsSlicer {
    private final int crop;
    private final boolean zscore;

    public BratsSlicer(int crop, boolean zscore) {
        if (crop <= 0) {
            throw new IllegalArgumentException("--crop must be > 0, got " + crop);
        }
        this.crop = crop;
        this.zscore = zscore;
    }

    public int crop() {
        return crop;
    }

    /** Whether modalities are standardised. */
    public boolean zscores() {
        return zscore;
    }

    /** The case's samples, ids {@code <case>/z<index>}; a case that cannot be cut is bad. */
    public List<FeatureRow> slices(BratsCase c, Path where) throws BadSampleException {
        Volume label = c.label();
        int nx = label.nx();
        int ny = label.ny();
        if (nx < crop || ny < crop) {
            throw new BadSampleException(c.id(), where, "slices of " + nx + "x" + ny + " are smaller than the crop "
                    + crop + "x" + crop);
        }
        for (float v : label.data()) {
            labelOf(c.id(), v, where);       // every voxel, also outside the crop: a stray value means a broken file
        }
        Map<String, float[]> images = new LinkedHashMap<>();
        for (var e : c.images().entrySet()) {
            images.put(e.getKey(), zscore ? standardised(c.id(), e.getKey(), e.getValue(), where) : e.getValue().data());
        }
        int x0 = (int) Math.rint((nx - crop) / 2.0);
        int y0 = (int) Math.rint((ny - crop) / 2.0);
        List<FeatureRow> rows = new ArrayList<>();
        int digits = Integer.toString(label.nz() - 1).length();
        for (int z = 0; z < label.nz(); z++) {
            if (!hasLabel(label, z)) {
                continue;
            }
            byte[] target = new byte[crop * crop];
            Map<String, float[]> features = new LinkedHashMap<>();
            images.keySet().forEach(m -> features.put(m, new float[crop * crop]));
            for (int i = 0; i < crop; i++) {
                for (int j = 0; j < crop; j++) {
                    int src = (x0 + i) + nx * ((y0 + j) + ny * z);
                    int l = Math.round(label.data()[src]);
                    target[i * crop + j] = (byte) (l == 4 ? 3 : l);
                    for (var e : images.entrySet()) {
                        features.get(e.getKey())[i * crop + j] = e.getValue()[src];
                    }
                }
            }
            rows.add(new FeatureRow(c.id() + "/z" + String.format("%0" + digits + "d", z), target, features, Map.of()));
        }
        return rows;
    }

    private static boolean hasLabel(Volume label, int z) {
        int plane = label.nx() * label.ny();
        for (int i = z * plane, end = i + plane; i < end; i++) {
            if (label.data()[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** BraTS labels 0, 1, 2, 4 (4 becomes 3; a 3 already remapped stays); anything else makes the case bad. */
    private static byte labelOf(String id, float v, Path where) throws BadSampleException {
        int l = Math.round(v);
        if (l != v || l < 0 || l > 4) {
            throw new BadSampleException(id, where, "label value " + v + " is not a BraTS label (0, 1, 2, 4)");
        }
        return (byte) (l == 4 ? 3 : l);
    }

    /** (v − mean)/std over the non-zero voxels; zeros stay zero. */
    private static float[] standardised(String id, String modality, Volume v, Path where) throws BadSampleException {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (float x : v.data()) {
            if (x != 0) {
                sum += x;
                sq += (double) x * x;
                n++;
            }
        }
        double mean = n == 0 ? 0 : sum / n;
        double var = n == 0 ? 0 : sq / n - mean * mean;
        if (n < 2 || !(var > 1e-12) || !Double.isFinite(var)) {
            throw new BadSampleException(id, where, modality + " has no brain voxels to standardise (all zero or constant)");
        }
        double std = Math.sqrt(var);
        float[] out = new float[v.data().length];
        for (int i = 0; i < out.length; i++) {
            float x = v.data()[i];
            out[i] = x == 0 ? 0 : (float) ((x - mean) / std);
        }
        return out;
    }
}
