package dev.cggm.features.brats;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A generated BraTS-like dataset, in the BraTS 2021 release layout ({@code <split>/<case>/<case>_flair.nii.gz}
 * … {@code _seg.nii.gz}, NIfTI-1, gzip), deterministic for a seed, made in seconds.
 *
 * <p>Each case is a head-like phantom: an ellipsoidal skull-stripped brain (background exactly 0)
 * with a smooth tissue texture, a bias field, a per-case scanner gain, and ventricles (CSF: dark in
 * FLAIR, T1 and T1ce, bright in T2); inside it a tumour of three nested, irregular ellipsoidal
 * sub-regions in BraTS labels — oedema (2) outside, an enhancing rim (4) around a necrotic core (1);
 * one case in five has no enhancing part (the core is label 1 throughout), as low-grade tumours.
 * Each sub-region shows with its own contrast and noise in each modality:
 * <ul>
 *   <li><b>FLAIR dominates</b>: the whole tumour (oedema, rim and core alike) is bright against
 *       the brain with little noise, so FLAIR alone segments WT — but its sub-regions look the
 *       same, so it cannot tell TC or ET;</li>
 *   <li>T1ce is needed for the core: the enhancing rim is bright and the necrosis dark, with
 *       more noise, while the oedema is barely visible;</li>
 *   <li>T2 shows oedema and necrosis bright but so are the ventricles, so alone it confuses them;</li>
 *   <li>T1 shows the tumour only faintly darker than the brain.</li>
 * </ul>
 * Image volumes are stored as int16 (T1 with {@code scl_slope} 0.5, exercising the scaling), the
 * labels as uint8.
 */
public final class BratsPhantom {
    /** The marker file that says a directory holds a generated dataset of a given spec. */
    public static final String MARKER = "phantom.json";

    /**
     * What to generate.
     *
     * @param size  in-plane extent (voxels per side)
     * @param depth axial slices per volume
     * @param train cases per split …
     * @param seed  everything random
     */
    public record Spec(int size, int depth, int train, int validation, int test, long seed) {
        public Spec {
            if (size < 8 || depth < 4 || train < 1 || validation < 1 || test < 1) {
                throw new IllegalArgumentException("a phantom needs size >= 8, depth >= 4 and a case in every split");
            }
        }

        /** 40 / 8 / 8 cases of 176 × 176 × 24 voxels: a 160 × 160 centre crop as the reference takes. */
        public static Spec defaults() {
            return new Spec(176, 24, 40, 8, 8, 2021);
        }
    }

    private BratsPhantom() {
    }

    /**
     * Generates the dataset into {@code dir}, or leaves it when it already holds one of the same
     * spec; an existing directory with other content is refused.
     */
    public static Path prepare(Path dir, Spec spec) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path marker = dir.resolve(MARKER);
        if (Files.isRegularFile(marker)) {
            Spec have = json.readValue(marker.toFile(), Spec.class);
            if (have.equals(spec)) {
                return dir;
            }
            throw new FeatureException(dir + " holds a generated BraTS-like dataset of another spec (" + have
                    + "); use another --dataset directory");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new FeatureException(dir + " is not empty and holds no generated dataset; give an empty or new "
                            + "--dataset directory for brats-demo");
                }
            }
        }
        Map<String, Integer> splits = new LinkedHashMap<>();
        splits.put("train", spec.train());
        splits.put("validation", spec.validation());
        splits.put("test", spec.test());
        int index = 0;
        for (var e : splits.entrySet()) {
            for (int i = 0; i < e.getValue(); i++, index++) {
                String id = String.format("Phantom_%05d", index);
                writeCase(dir.resolve(e.getKey()).resolve(id), id, spec, new SplittableRandom(spec.seed() * 1_000_003L + index));
            }
        }
        json.writerWithDefaultPrettyPrinter().writeValue(marker.toFile(), spec);
        return dir;
    }

    /** Intensity of each sub-region above the brain, per modality: {oedema, enhancing, necrosis, CSF}, and noise. */
    private static final Map<String, double[]> CONTRAST = Map.of(
            "flair", new double[] {0.55, 0.52, 0.50, -0.30, 0.04},
            "t1ce", new double[] {0.04, 0.60, -0.30, -0.25, 0.14},
            "t1", new double[] {-0.06, -0.04, -0.12, -0.30, 0.10},
            "t2", new double[] {0.35, 0.25, 0.55, 0.55, 0.10});

    private static void writeCase(Path dir, String id, Spec spec, SplittableRandom rng) throws IOException {
        int n = spec.size();
        int d = spec.depth();
        double cz = (d - 1) / 2.0;
        // the brain: an ellipsoid filling most of the slice
        double ax = 0.44 * n * (0.9 + 0.1 * rng.nextDouble());
        double ay = 0.38 * n * (0.9 + 0.1 * rng.nextDouble());
        double az = 0.75 * d;
        // the tumour: off centre, inside the brain
        double tx = n / 2.0 + (rng.nextDouble() - 0.5) * 0.35 * n;
        double ty = n / 2.0 + (rng.nextDouble() - 0.5) * 0.3 * n;
        double tz = cz + (rng.nextDouble() - 0.5) * 0.2 * d;
        double edema = (0.12 + 0.08 * rng.nextDouble()) * n;
        double edemaZ = (0.25 + 0.1 * rng.nextDouble()) * d;
        double active = 0.5 + 0.15 * rng.nextDouble();
        double core = 0.45 + 0.2 * rng.nextDouble();
        boolean enhancing = rng.nextDouble() >= 0.2;
        double[] lobes = {rng.nextDouble() * 2 * Math.PI, rng.nextDouble() * 2 * Math.PI, 2 + rng.nextInt(3)};
        double[] texture = new double[8];
        for (int i = 0; i < texture.length; i++) {
            texture[i] = rng.nextDouble() * 2 * Math.PI;
        }
        double gain = 200 + 400 * rng.nextDouble();
        double biasX = (rng.nextDouble() - 0.5) * 0.2;

        int voxels = n * n * d;
        float[] seg = new float[voxels];
        Map<String, float[]> images = new LinkedHashMap<>();
        for (String m : BratsCase.MODALITIES) {
            images.put(m, new float[voxels]);
        }
        for (int z = 0; z < d; z++) {
            double fz = (z - cz) / az;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double bx = (x - n / 2.0) / ax;
                    double by = (y - n / 2.0) / ay;
                    double r2 = bx * bx + by * by + fz * fz;
                    if (r2 >= 1) {
                        continue;           // background: 0 in every volume
                    }
                    int i = x + n * (y + n * z);
                    double angle = Math.atan2(y - ty, x - tx);
                    double bump = 1 + 0.15 * Math.sin(lobes[2] * angle + lobes[0]) + 0.08 * Math.sin(2 * angle + lobes[1]);
                    double dx = (x - tx) / (edema * bump);
                    double dy = (y - ty) / (edema * bump);
                    double dz = (z - tz) / edemaZ;
                    double t = Math.sqrt(dx * dx + dy * dy + dz * dz);
                    int region = t >= 1 ? -1 : t >= active ? 0 : t >= active * core && enhancing ? 1 : 2;
                    seg[i] = region < 0 ? 0 : new int[] {2, 4, 1}[region];
                    double ventricle = Math.pow((x - n / 2.0) / (0.09 * n), 2) + Math.pow((y - n / 2.0) / (0.05 * n), 2)
                            + fz * fz * 4;
                    boolean csf = ventricle < 1 && region < 0;
                    double tissue = 0.5 + 0.05 * (Math.sin(x * 0.31 + texture[0]) * Math.sin(y * 0.27 + texture[1])
                            + Math.sin((x + y) * 0.13 + texture[2]) + 0.5 * Math.sin(Math.sqrt(r2) * 9 + texture[3]));
                    double bias = 1 + biasX * bx;
                    for (var e : images.entrySet()) {
                        double[] c = CONTRAST.get(e.getKey());
                        double v = tissue + (region >= 0 ? c[region] : 0) + (csf ? c[3] : 0) + c[4] * rng.nextGaussian();
                        e.getValue()[i] = (float) Math.max(1, gain * bias * Math.max(0.02, v));
                    }
                }
            }
        }
        for (var e : images.entrySet()) {
            boolean halved = e.getKey().equals("t1");
            Nifti.write(dir.resolve(id + "_" + e.getKey() + ".nii.gz"), new Volume(n, n, d, e.getValue()), "int16",
                    halved ? 0.5f : 0f, 0f);
        }
        Nifti.write(dir.resolve(id + "_seg.nii.gz"), new Volume(n, n, d, seg), "uint8", 0f, 0f);
    }

    /** The splits of a generated dataset, in order. */
    public static List<String> splits() {
        return List.of("train", "validation", "test");
    }
}
