package dev.cggm.features.brats;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.store.FeatureRow;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slicing as the CGGM loader: labels 4 → 3, labelled axial slices only, the centre crop, z-scores over the brain. */
class BratsSlicerTest {
    static final Path HERE = Path.of("case");

    /** A 7×6×3 case: slice z=1 has labels (one 4), z=0 and z=2 none; images value x + 10y + 100z + 1 inside, 0 at x = 0. */
    static BratsCase small() {
        int nx = 7;
        int ny = 6;
        int nz = 3;
        float[] seg = new float[nx * ny * nz];
        seg[3 + nx * (2 + ny)] = 4;
        seg[4 + nx * (3 + ny)] = 2;
        Map<String, Volume> images = new LinkedHashMap<>();
        for (String m : BratsCase.MODALITIES) {
            float[] v = new float[nx * ny * nz];
            for (int z = 0; z < nz; z++) {
                for (int y = 0; y < ny; y++) {
                    for (int x = 1; x < nx; x++) {
                        v[x + nx * (y + ny * z)] = x + 10 * y + 100 * z + 1;
                    }
                }
            }
            images.put(m, new Volume(nx, ny, nz, v));
        }
        return new BratsCase("c1", images, new Volume(nx, ny, nz, seg));
    }

    @Test
    void cutsTheLabelledSlicesCentreCropped() throws BadSampleException {
        List<FeatureRow> rows = new BratsSlicer(4, false).slices(small(), HERE);
        assertEquals(1, rows.size());
        FeatureRow r = rows.get(0);
        assertEquals("c1/z1", r.id());
        // offsets: round((7-4)/2) = round(1.5) = 2 (half to even), round((6-4)/2) = 1
        float[] flair = r.features().get("flair");
        assertEquals(4 * 4, flair.length);
        assertEquals(2 + 10 * 1 + 100 + 1, flair[0]);           // (x, y) = (2, 1): row = x
        assertEquals(2 + 10 * 2 + 100 + 1, flair[1]);           // (2, 2)
        assertEquals(3 + 10 * 1 + 100 + 1, flair[4]);           // (3, 1)
        byte[] label = (byte[]) r.target();
        // voxel (3, 2) labelled 4 -> 3 sits at row 1, column 1; (4, 3) labelled 2 at row 2, column 2
        byte[] want = new byte[16];
        want[4 + 1] = 3;
        want[2 * 4 + 2] = 2;
        assertArrayEquals(want, label);
    }

    @Test
    void zscoresOverNonZeroVoxelsAndKeepsTheBackground() throws BadSampleException {
        BratsCase c = small();
        float[] t2 = c.images().get("t2").data();
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (float v : t2) {
            if (v != 0) {
                sum += v;
                sq += v * (double) v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        float[] got = new BratsSlicer(6, true).slices(c, HERE).get(0).features().get("t2");
        // crop 6 of 7: x from round(0.5) = 0, so row 0 is the background column x = 0
        assertEquals(0f, got[0]);
        assertEquals((float) ((1 + 10 * 0 + 100 + 1 - mean) / std), got[6], 1e-5);
    }

    @Test
    void unusableCasesAreBad() {
        BratsCase c = small();
        var crop = assertThrows(BadSampleException.class, () -> new BratsSlicer(8, false).slices(c, HERE));
        assertTrue(crop.getMessage().contains("smaller than the crop 8x8"), crop.getMessage());
        Map<String, Volume> images = new LinkedHashMap<>(c.images());
        images.put("t1", new Volume(7, 6, 3, new float[7 * 6 * 3]));
        var empty = assertThrows(BadSampleException.class,
                () -> new BratsSlicer(4, true).slices(new BratsCase("c2", images, c.label()), HERE));
        assertTrue(empty.getMessage().contains("t1 has no brain voxels"), empty.getMessage());
        float[] seg = c.label().data().clone();
        seg[0] = 5;
        var label = assertThrows(BadSampleException.class, () -> new BratsSlicer(4, false)
                .slices(new BratsCase("c3", c.images(), new Volume(7, 6, 3, seg)), HERE));
        assertTrue(label.getMessage().contains("label value 5.0 is not a BraTS label"), label.getMessage());
    }
}
