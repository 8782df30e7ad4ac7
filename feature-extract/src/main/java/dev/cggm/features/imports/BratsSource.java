package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.brats.BratsCase;
import dev.cggm.features.brats.BratsPhantom;
import dev.cggm.features.brats.BratsSlicer;
import dev.cggm.features.brats.Volume;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * BraTS for segmentation: multi-modal MRI volumes cut into the 2-D samples the CGGM code trains
 * on ({@link BratsSlicer}), one store entry per case (its rows are the case's slices), four
 * modalities {@code flair}, {@code t1ce}, {@code t1}, {@code t2} of shape [crop, crop] and a uint8
 * label map of the same shape (0 background, 1 necrotic core, 2 oedema, 3 enhancing tumour).
 * <ul>
 *   <li>{@link Layout#NIFTI}: the BraTS 2021 release — a folder per case with
 *       {@code <case>_flair.nii.gz}, {@code _t1ce}, {@code _t1}, {@code _t2}, {@code _seg}.</li>
 *   <li>{@link Layout#H5}: the CGGM code's preprocessed volumes — one {@code .h5} per case with
 *       {@code image} (4, H, W, D) float in channel order FLAIR, T1ce, T1, T2 and {@code label} (H, W, D).</li>
 * </ul>
 * Splits: the directories {@code train}, {@code validation} (or {@code valid}, {@code val}) and
 * {@code test} under the dataset when present (the CGGM code's layout); otherwise every case found
 * directly in it, sorted by name and shuffled with a fixed seed, is split 80 / 10 / 10. A case that
 * cannot be used — a missing modality, volumes of different shapes, a corrupt gzip or HDF5 file, a
 * label that is not BraTS', slices smaller than the crop — is skipped and listed with its reason.
 * The store's provenance checksum covers the case listing (names and sizes of every file), not
 * the volumes' bytes (about 150 GB for the h5 release).
 */
public final class BratsSource implements ImportSource {
    /** How the volumes are stored. */
    public enum Layout {
        NIFTI("brats"), H5("brats-h5");

        final String format;

        Layout(String format) {
            this.format = format;
        }
    }

    /**
     * @param crop   the centre crop's side (160 as the CGGM code)
     * @param zscore standardise each modality over the case's brain voxels
     */
    public record Options(int crop, boolean zscore) {
        public Options {
            if (crop <= 0) {
                throw new FeatureException("--crop must be > 0, got " + crop);
            }
        }

        public static Options defaults() {
            return new Options(160, true);
        }
    }

    public static final List<String> LABEL_NAMES = List.of("background", "necrotic core", "oedema", "enhancing tumour");
    private static final Map<String, List<String>> SPLIT_DIRS = new LinkedHashMap<>();
    private static final long SPLIT_SEED = 2021;

    static {
        SPLIT_DIRS.put("train", List.of("train", "training"));
        SPLIT_DIRS.put("validation", List.of("validation", "valid", "val"));
        SPLIT_DIRS.put("test", List.of("test"));
    }

    private final Path root;
    private final Layout layout;
    private final String format;
    private final BratsSlicer slicer;
    private final Map<String, List<Path>> cases = new LinkedHashMap<>();

    private BratsSource(Path root, Layout layout, String format, Options o) {
        this.root = root;
        this.layout = layout;
        this.format = format;
        this.slicer = new BratsSlicer(o.crop(), o.zscore());
    }

    /** Entries (cases) per shard file: a case is some 80 slices of 4 × 160 × 160 values, 8 MB. */
    public static final int DEFAULT_SHARD_SIZE = 8;

    /** The source of a BraTS format: {@code brats}, {@code brats-h5} or {@code brats-demo} (default phantom). */
    public static BratsSource open(Path dir, ImportFormat format, Options options) throws IOException {
        return switch (format) {
            case BRATS -> open(dir, Layout.NIFTI, options);
            case BRATS_H5 -> open(dir, Layout.H5, options);
            case BRATS_DEMO -> demo(dir, BratsPhantom.Spec.defaults(), options);
            default -> throw new IllegalArgumentException(format.id() + " is not a BraTS format");
        };
    }

    /** Finds the cases of a BraTS directory (either layout) and their splits. */
    public static BratsSource open(Path dir, Layout layout, Options options) throws IOException {
        return open(dir, layout, layout.format, options);
    }

    /**
     * The generated BraTS-like dataset ({@link BratsPhantom}) in {@code dir}, made first when it is
     * not there, read as the NIfTI release.
     */
    public static BratsSource demo(Path dir, BratsPhantom.Spec spec, Options options) throws IOException {
        BratsPhantom.prepare(dir, spec);
        return open(dir, Layout.NIFTI, "brats-demo", options);
    }

    private static BratsSource open(Path dir, Layout layout, String format, Options options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FeatureException("--dataset " + dir + ": not a directory (the " + format + " format expects "
                    + (layout == Layout.NIFTI ? "a folder per case with *_flair.nii.gz ... *_seg.nii.gz"
                    : "<split>/<case>.h5 files") + ")");
        }
        BratsSource s = new BratsSource(dir, layout, format, options);
        s.findCases();
        return s;
    }

    private void findCases() throws IOException {
        boolean bySplitDirs = false;
        for (var e : SPLIT_DIRS.entrySet()) {
            for (String name : e.getValue()) {
                Path d = root.resolve(name);
                if (Files.isDirectory(d)) {
                    cases.put(e.getKey(), casesIn(d));
                    bySplitDirs = true;
                    break;
                }
            }
        }
        if (!bySplitDirs) {
            List<Path> all = casesIn(root);
            Collections.shuffle(all, new Random(SPLIT_SEED));
            int n = all.size();
            int val = n >= 3 ? Math.max(1, n / 10) : 0;
            int test = n >= 3 ? Math.max(1, n / 10) : 0;
            cases.put("train", sorted(all.subList(0, n - val - test)));
            cases.put("validation", sorted(all.subList(n - val - test, n - test)));
            cases.put("test", sorted(all.subList(n - test, n)));
        }
        if (cases.values().stream().allMatch(List::isEmpty)) {
            throw new FeatureException("--dataset " + root + ": no BraTS cases found (" + (layout == Layout.NIFTI
                    ? "case folders holding *_flair.nii.gz" : "*.h5 files") + ", directly or under train/, validation/ "
                    + "and test/)");
        }
    }

    private List<Path> casesIn(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (layout == Layout.H5 ? p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".h5")
                        && Files.isRegularFile(p) : Files.isDirectory(p) && !SPLIT_DIRS.values().stream()
                        .anyMatch(names -> names.contains(p.getFileName().toString()))
                        && (BratsCase.isCaseFolder(p) || looksLikeACase(p))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** A folder of NIfTI files that is missing its FLAIR volume still counts as a (bad) case. */
    private static boolean looksLikeACase(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*_(t1|t1ce|t2|seg)\\.nii(\\.gz)?"));
        }
    }

    private static List<Path> sorted(List<Path> l) {
        List<Path> out = new ArrayList<>(l);
        Collections.sort(out);
        return out;
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public List<Path> inputFiles() {
        List<Path> files = new ArrayList<>();
        for (List<Path> l : cases.values()) {
            for (Path c : l) {
                try {
                    files.addAll(layout == Layout.H5 ? List.of(c) : BratsCase.files(c));
                } catch (IOException e) {
                    throw new FeatureException("cannot list " + c + ": " + e.getMessage(), e);
                }
            }
        }
        return files;
    }

    /** SHA-256 of the listing: every file's path (relative to the dataset) and size, in order. */
    @Override
    public String inputChecksum() throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path f : inputFiles()) {
            md.update((root.relativize(f) + "\t" + Files.size(f) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public StoreManifest.TaskInfo task() {
        int c = slicer.crop();
        return new StoreManifest.TaskInfo("segmentation", new StoreManifest.TargetInfo("label", "uint8", List.of(c, c),
                "tumour sub-regions", null));
    }

    @Override
    public List<String> labelNames() {
        return LABEL_NAMES;
    }

    @Override
    public List<StoreManifest.ModalityInfo> modalities() {
        int c = slicer.crop();
        String transform = "labels 4 -> 3; axial slices with a label; centre crop " + c + "x" + c
                + (slicerZscore() ? "; z-score over the case's non-zero voxels" : "");
        List<StoreManifest.ModalityInfo> out = new ArrayList<>();
        for (int i = 0; i < BratsCase.MODALITIES.size(); i++) {
            String m = BratsCase.MODALITIES.get(i);
            String source = layout == Layout.H5 ? "<case>.h5: image[" + i + "]" : "<case>_" + m + ".nii.gz";
            out.add(StoreManifest.ModalityInfo.imported(m, source, List.of(c, c), null, transform));
        }
        return out;
    }

    private boolean slicerZscore() {
        return slicer.zscores();
    }

    @Override
    public List<String> splits() {
        return cases.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    @Override
    public long size(String split) {
        return cases.getOrDefault(split, List.of()).size();
    }

    /** The case paths of a split, in entry order. */
    public List<Path> cases(String split) {
        return List.copyOf(cases.getOrDefault(split, List.of()));
    }

    @Override
    public Rows rows(String split) {
        List<Path> list = cases.getOrDefault(split, List.of());
        return Rows.indexed(list.size(), i -> entry(i, list.get((int) i)));
    }

    private Entry entry(long position, Path c) {
        try {
            BratsCase bc = layout == Layout.H5 ? fromH5(c) : BratsCase.fromNiftiFolder(c);
            List<FeatureRow> rows = slicer.slices(bc, c);
            if (rows.isEmpty()) {
                return Entry.bad(position, new BadSampleException(bc.id(), c, "no axial slice has a label"));
            }
            return Entry.good(position, rows, c);
        } catch (BadSampleException e) {
            return Entry.bad(position, e);
        } catch (IOException | RuntimeException e) {
            return Entry.bad(position, new BadSampleException(caseId(c), c, "unreadable: " + e.getMessage(), e));
        }
    }

    private static String caseId(Path c) {
        String n = c.getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".h5") ? n.substring(0, n.length() - 3) : n;
    }

    /** A case of the CGGM code's h5 layout: {@code image} (4, H, W, D) in C order, {@code label} (H, W, D). */
    static BratsCase fromH5(Path file) throws BadSampleException {
        String id = caseId(file);
        try (Hdf5Arrays h5 = Hdf5Arrays.open(file)) {
            Hdf5Arrays.Values image = h5.get("image");
            Hdf5Arrays.Values label = h5.get("label");
            if (image == null || label == null) {
                throw new BadSampleException(id, file, "no '" + (image == null ? "image" : "label") + "' dataset");
            }
            int[] d = image.dims();
            int[] l = label.dims();
            if (d.length != 4 || d[0] != 4) {
                throw new BadSampleException(id, file, "image has shape " + java.util.Arrays.toString(d)
                        + "; (4, H, W, D) is needed");
            }
            if (l.length != 3 || l[0] != d[1] || l[1] != d[2] || l[2] != d[3]) {
                throw new BadSampleException(id, file, "shape mismatch: label " + java.util.Arrays.toString(l)
                        + " vs image " + java.util.Arrays.toString(d));
            }
            int nx = d[1];
            int ny = d[2];
            int nz = d[3];
            Map<String, Volume> images = new LinkedHashMap<>();
            for (int c = 0; c < 4; c++) {
                images.put(BratsCase.MODALITIES.get(c), fromCOrder(image.data(), c * nx * ny * nz, nx, ny, nz));
            }
            return new BratsCase(id, images, fromCOrder(label.data(), 0, nx, ny, nz));
        } catch (FeatureException e) {
            throw new BadSampleException(id, file, e.getMessage(), e);
        }
    }

    /** A C-order [x][y][z] block as a volume (x fastest). */
    private static Volume fromCOrder(float[] src, int offset, int nx, int ny, int nz) {
        float[] out = new float[nx * ny * nz];
        for (int x = 0, i = offset; x < nx; x++) {
            for (int y = 0; y < ny; y++) {
                for (int z = 0; z < nz; z++, i++) {
                    out[x + nx * (y + ny * z)] = src[i];
                }
            }
        }
        return new Volume(nx, ny, nz, out);
    }

    @Override
    public void close() {
    }
}
