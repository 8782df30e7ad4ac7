package dev.cggm.features.brats;

import dev.cggm.features.BadSampleException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One BraTS case: its four co-registered MRI volumes (FLAIR, T1ce, T1, T2, in the order of the
 * official h5 volumes' channels) and its label volume (BraTS labels 0 background, 1 necrotic
 * core, 2 oedema, 4 enhancing tumour — or 3 where already remapped).
 */
public record BratsCase(String id, Map<String, Volume> images, Volume label) {
    /** The modalities, in channel order. */
    public static final List<String> MODALITIES = List.of("flair", "t1ce", "t1", "t2");

    public BratsCase {
        images = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(images));
    }

    /**
     * A case folder of the BraTS 2021 release: {@code <case>_flair.nii.gz}, {@code _t1ce},
     * {@code _t1}, {@code _t2} and {@code _seg} (also uncompressed {@code .nii}). A missing
     * modality, a volume of another shape or an unreadable file makes the case bad.
     */
    public static BratsCase fromNiftiFolder(Path dir) throws BadSampleException, IOException {
        String id = dir.getFileName().toString();
        Map<String, Volume> images = new LinkedHashMap<>();
        Volume label = null;
        for (String part : parts()) {
            Path f = find(dir, part);
            if (f == null) {
                throw new BadSampleException(id, dir, "missing " + part + " (no *_" + part + ".nii.gz or .nii)");
            }
            Volume v;
            try {
                v = Nifti.read(f);
            } catch (Nifti.FormatException e) {
                throw new BadSampleException(id, f, e.getMessage(), e);
            }
            if (part.equals("seg")) {
                label = v;
            } else {
                images.put(part, v);
            }
        }
        BratsCase c = new BratsCase(id, images, label);
        c.requireOneShape(dir);
        return c;
    }

    /** {@link #fromNiftiFolder} for callers that know the folder is whole (tests, tools). */
    public static BratsCase fromNiftiFolderUnchecked(Path dir) throws IOException {
        try {
            return fromNiftiFolder(dir);
        } catch (BadSampleException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Every file a case folder is made of (those that exist), in a fixed order. */
    public static List<Path> files(Path dir) throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (String part : parts()) {
            Path f = find(dir, part);
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** Whether {@code dir} looks like a case folder (holds a FLAIR volume). */
    public static boolean isCaseFolder(Path dir) throws IOException {
        return Files.isDirectory(dir) && find(dir, "flair") != null;
    }

    private static List<String> parts() {
        List<String> p = new java.util.ArrayList<>(MODALITIES);
        p.add("seg");
        return p;
    }

    private static Path find(Path dir, String part) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                return n.endsWith("_" + part + ".nii.gz") || n.endsWith("_" + part + ".nii");
            }).sorted().findFirst().orElse(null);
        }
    }

    /** Every volume must have the label's shape; otherwise the case is bad. */
    public void requireOneShape(Path where) throws BadSampleException {
        for (var e : images.entrySet()) {
            if (!e.getValue().sameShape(label)) {
                throw new BadSampleException(id, where, "shape mismatch: " + e.getKey() + " is " + e.getValue().shape()
                        + ", seg is " + label.shape());
            }
        }
    }
}
