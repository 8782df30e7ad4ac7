package dev.cggm.features.imports;

import dev.cggm.features.brats.BratsCase;
import dev.cggm.features.brats.BratsPhantom;
import dev.cggm.features.brats.Nifti;
import dev.cggm.features.brats.Volume;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.Precision;
import dev.cggm.features.store.StoreManifest;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BraTS volumes into a segmentation store: the generated dataset read as the NIfTI release, the
 * same volumes as the CGGM code's h5 files, bad cases skipped and listed, determinism.
 */
class BratsSourceTest {
    static final BratsPhantom.Spec SPEC = new BratsPhantom.Spec(24, 8, 3, 1, 1, 7);
    static final BratsSource.Options CROP16 = new BratsSource.Options(16, true);

    static ExtractionResult store(BratsSource source, Path out) throws IOException {
        return Importer.run(out, source, new ImportOptions(2, 16, Precision.FLOAT32, false, List.of(), 0),
                ProgressListener.none());
    }

    /** Every row of a split: id → (modality → values, "label" → labels as floats). */
    static Map<String, Map<String, float[]>> rows(Path store, String split) {
        Map<String, Map<String, float[]>> out = new LinkedHashMap<>();
        try (FeatureStore s = FeatureStore.open(store); var batches = s.batches(split)) {
            for (FeatureBatch b : batches) {
                byte[] labels = new byte[b.rowCount() * 256];
                b.copyTargets(labels, 0);
                for (int i = 0; i < b.rowCount(); i++) {
                    Map<String, float[]> row = new LinkedHashMap<>();
                    for (String m : BratsCase.MODALITIES) {
                        float[] v = new float[256];
                        b.floats(m).get(i * 256, v);
                        row.put(m, v);
                    }
                    float[] l = new float[256];
                    for (int k = 0; k < 256; k++) {
                        l[k] = labels[i * 256 + k];
                    }
                    row.put("label", l);
                    out.put(b.id(i), row);
                }
            }
        }
        return out;
    }

    @Test
    void theGeneratedDatasetBecomesASegmentationStore(@TempDir Path tmp) throws IOException {
        ExtractionResult r;
        try (BratsSource source = BratsSource.demo(tmp.resolve("data"), SPEC, CROP16)) {
            assertEquals("brats-demo", source.format());
            r = store(source, tmp.resolve("store"));
        }
        StoreManifest m = StoreManifest.read(tmp.resolve("store"));
        assertEquals("segmentation", m.task().type());
        assertEquals(List.of(16, 16), m.task().target().shape());
        assertEquals("uint8", m.task().target().dtype());
        assertEquals(BratsSource.LABEL_NAMES, m.labelNames());
        assertEquals(BratsCase.MODALITIES, m.modalities().stream().map(StoreManifest.ModalityInfo::name).toList());
        assertEquals(List.of(16, 16), m.modalities().get(0).shape());
        assertEquals(3, r.splits().get("train").samples());            // entries are cases …
        assertTrue(r.splits().get("train").rows() > 3);                 // … rows their labelled slices
        Map<String, Map<String, float[]>> train = rows(tmp.resolve("store"), "train");
        Set<Float> labels = new HashSet<>();
        for (var row : train.values()) {
            for (float l : row.get("label")) {
                labels.add(l);
            }
            float[] flair = row.get("flair");
            assertTrue(Arrays.stream(toDouble(flair)).anyMatch(v -> v != 0), "z-scored brain values");
        }
        assertEquals(Set.of(0f, 1f, 2f, 3f), labels, "BraTS' label 4 arrives as 3");
        assertTrue(train.keySet().iterator().next().matches("Phantom_\\d{5}/z\\d"), train.keySet().toString());
    }

    @Test
    void generationIsDeterministic(@TempDir Path tmp) throws IOException {
        BratsPhantom.prepare(tmp.resolve("a"), SPEC);
        BratsPhantom.prepare(tmp.resolve("b"), SPEC);
        List<Path> files;
        try (Stream<Path> s = Files.walk(tmp.resolve("a"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertEquals(5 * 5 + 1, files.size());
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(tmp.resolve("b").resolve(tmp.resolve("a").relativize(f))),
                    f.toString());
        }
        // the same spec again is reused; another spec in the same place is refused
        BratsPhantom.prepare(tmp.resolve("a"), SPEC);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.cggm.features.FeatureException.class,
                () -> BratsPhantom.prepare(tmp.resolve("a"), new BratsPhantom.Spec(24, 8, 3, 1, 1, 8)));
        assertTrue(e.getMessage().contains("another spec"), e.getMessage());
    }

    @Test
    void badCasesAreSkippedAndListed(@TempDir Path tmp) throws IOException {
        Path data = BratsPhantom.prepare(tmp.resolve("data"), new BratsPhantom.Spec(24, 8, 5, 1, 1, 7));
        Path train = data.resolve("train");
        List<Path> cases;
        try (Stream<Path> s = Files.list(train)) {
            cases = s.sorted().toList();
        }
        Files.delete(cases.get(0).resolve(cases.get(0).getFileName() + "_t1ce.nii.gz"));
        Path flair = cases.get(1).resolve(cases.get(1).getFileName() + "_flair.nii.gz");
        byte[] b = Files.readAllBytes(flair);
        Files.write(flair, Arrays.copyOf(b, b.length - 200));
        Nifti.write(cases.get(2).resolve(cases.get(2).getFileName() + "_t2.nii.gz"), new Volume(24, 20, 8, new float[24 * 20 * 8]),
                "int16", 0f, 0f);
        try (BratsSource source = BratsSource.open(data, BratsSource.Layout.NIFTI, CROP16)) {
            ExtractionResult r = store(source, tmp.resolve("store"));
            assertEquals(5, r.splits().get("train").samples());
            assertEquals(3, r.splits().get("train").errors());
        }
        List<StoreManifest.SampleError> errors = StoreManifest.read(tmp.resolve("store")).splits().get("train").errors();
        List<String> reasons = new ArrayList<>();
        errors.forEach(e -> reasons.add(e.id() + ": " + e.reason()));
        assertTrue(reasons.get(0).matches("Phantom_00000: missing t1ce \\(no \\*_t1ce.nii.gz or .nii\\)"), reasons.toString());
        assertTrue(reasons.get(1).startsWith("Phantom_00001: Phantom_00001_flair.nii.gz: corrupt or truncated gzip data"),
                reasons.toString());
        assertTrue(reasons.get(2).startsWith("Phantom_00002: shape mismatch: t2 is 24x20x8, seg is 24x24x8"),
                reasons.toString());
        // only the good cases' slices are in the store
        assertTrue(rows(tmp.resolve("store"), "train").keySet().stream()
                .allMatch(id -> id.startsWith("Phantom_00003/") || id.startsWith("Phantom_00004/")));
    }

    /** The same volumes as the CGGM code's h5 files (image (4, H, W, D), label (H, W, D)) give the same store rows. */
    @Test
    void h5VolumesReadAsTheirNiftiTwins(@TempDir Path tmp) throws IOException {
        Path data = BratsPhantom.prepare(tmp.resolve("nifti"), SPEC);
        Path h5 = tmp.resolve("h5");
        for (String split : List.of("train", "validation", "test")) {
            Path dir = h5.resolve(split.equals("validation") ? "valid" : split);
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(data.resolve(split))) {
                for (Path c : s.sorted().toList()) {
                    writeH5(BratsCase.fromNiftiFolderUnchecked(c), dir.resolve(c.getFileName() + ".h5"));
                }
            }
        }
        try (BratsSource n = BratsSource.open(data, BratsSource.Layout.NIFTI, CROP16);
             BratsSource h = BratsSource.open(h5, BratsSource.Layout.H5, CROP16)) {
            store(n, tmp.resolve("from-nifti"));
            store(h, tmp.resolve("from-h5"));
        }
        for (String split : List.of("train", "validation", "test")) {
            Map<String, Map<String, float[]>> a = rows(tmp.resolve("from-nifti"), split);
            Map<String, Map<String, float[]>> b = rows(tmp.resolve("from-h5"), split);
            assertEquals(a.keySet(), b.keySet());
            for (String id : a.keySet()) {
                for (String k : a.get(id).keySet()) {
                    assertArrayEquals(a.get(id).get(k), b.get(id).get(k), id + " " + k);
                }
            }
        }
        // the h5 reader reads files written by jHDF back as written (uint8 labels become int8, the same values)
        try (HdfFile f = new HdfFile(h5.resolve("train").resolve("Phantom_00000.h5"))) {
            assertArrayEquals(new int[] {4, 24, 24, 8}, f.getDatasetByPath("image").getDimensions());
        }
    }

    /** Writes image as float[4][H][W][D] and label as byte[H][W][D], as h5py writes numpy arrays. */
    static void writeH5(BratsCase c, Path file) {
        Volume l = c.label();
        float[][][][] image = new float[4][l.nx()][l.ny()][l.nz()];
        byte[][][] label = new byte[l.nx()][l.ny()][l.nz()];
        for (int x = 0; x < l.nx(); x++) {
            for (int y = 0; y < l.ny(); y++) {
                for (int z = 0; z < l.nz(); z++) {
                    for (int m = 0; m < 4; m++) {
                        image[m][x][y][z] = c.images().get(BratsCase.MODALITIES.get(m)).at(x, y, z);
                    }
                    label[x][y][z] = (byte) l.at(x, y, z);
                }
            }
        }
        try (WritableHdfFile w = HdfFile.write(file)) {
            w.putDataset("image", image);
            w.putDataset("label", label);
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
