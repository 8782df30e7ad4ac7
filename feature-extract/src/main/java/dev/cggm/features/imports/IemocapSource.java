package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * IEMOCAP features in the MMIN layout, as the CGGM code reads them:
 * <pre>
 *   A/comparE.h5            one dataset per utterance: ComParE frames [T ≤ 350, 130]
 *   A/comparE_mean_std.h5   per cross-validation fold, groups "1".."10" with datasets mean, std [130]
 *   V/denseface.h5          per utterance [50, 342]
 *   L/bert_large.h5         per utterance [22, 1024]
 *   target/&lt;cv&gt;/{trn,val,tst}_label.npy     one-hot (or scores) [N, 4]: the class is the argmax
 *   target/&lt;cv&gt;/{trn,val,tst}_int2name.npy  utterance names [N, 1] (bytes)
 * </pre>
 * Audio is normalised as the reference: {@code trn} (default) with the fold's mean and std from
 * {@code comparE_mean_std.h5}, or {@code utt} per utterance (mean and unbiased std over frames,
 * a zero std replaced by 1); then every modality is zero-padded to its reference length (text
 * 22, audio 350, vision 50) and its real length kept in a length column. Widths come from the
 * first training utterance. Splits trn/val/tst are stored as train/validation/test. An utterance
 * missing from a feature file, or of another shape, is a bad entry.
 */
public final class IemocapSource implements ImportSource {
    /** Audio normalisation, as the reference's {@code norm_method}. */
    public enum Norm {
        /** The training folds' mean and std from {@code comparE_mean_std.h5}. */
        TRN,
        /** Each utterance's own mean and std over its frames. */
        UTT;

        public static Norm parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "trn" -> TRN;
                case "utt" -> UTT;
                default -> throw new FeatureException("unknown --norm '" + s + "': use trn or utt");
            };
        }
    }

    private static final List<String> STORE_SPLITS = List.of("train", "validation", "test");
    private static final Map<String, String> SET_NAMES = Map.of("train", "trn", "validation", "val", "test", "tst");
    /** Modality, feature file (relative to the root), padded length, in the reference's order. */
    private static final List<String[]> LAYOUT = List.of(
            new String[] {"text", "L/bert_large.h5", "22"},
            new String[] {"audio", "A/comparE.h5", "350"},
            new String[] {"vision", "V/denseface.h5", "50"});

    private final Path root;
    private final int cv;
    private final Norm norm;
    private final Map<String, Hdf5Arrays> features = new LinkedHashMap<>();
    private final Map<String, NdArray> names = new LinkedHashMap<>();
    private final Map<String, long[]> labels = new LinkedHashMap<>();
    private final List<StoreManifest.ModalityInfo> modalities = new ArrayList<>();
    private final List<Path> inputs = new ArrayList<>();
    private List<String> labelNames;
    private int classCount;
    private float[] mean;
    private float[] std;

    private IemocapSource(Path root, int cv, Norm norm) {
        this.root = root;
        this.cv = cv;
        this.norm = norm;
    }

    /**
     * Opens and checks the layout under {@code root} for fold {@code cv} (1..10).
     *
     * @param classNames class names in label-index order, or null for {@code class_0 …} (the MMIN files
     *                   carry no names)
     */
    public static IemocapSource open(Path root, int cv, Norm norm, List<String> classNames) {
        if (cv < 1 || cv > 10) {
            throw new FeatureException("--cv must be 1..10 (the MMIN folds), got " + cv);
        }
        if (!Files.isDirectory(root)) {
            throw new FeatureException("--dataset " + root + ": not a directory (iemocap expects the MMIN layout: "
                    + "A/, V/, L/, target/)");
        }
        IemocapSource s = new IemocapSource(root, cv, norm);
        try {
            s.load(classNames);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void load(List<String> classNames) {
        Path target = root.resolve("target").resolve(Integer.toString(cv));
        for (String split : STORE_SPLITS) {
            String set = SET_NAMES.get(split);
            Path labelFile = required(target.resolve(set + "_label.npy"));
            Path nameFile = required(target.resolve(set + "_int2name.npy"));
            NdArray l = NpyFile.read(labelFile);
            NdArray n = NpyFile.read(nameFile);
            long count = l.ndim() == 0 ? 0 : l.shape()[0];
            if (n.ndim() == 0 || n.shape()[0] != count) {
                throw new FeatureException(nameFile + " has shape " + Arrays.toString(n.shape()) + " but "
                        + labelFile.getFileName() + " has " + count + " labels");
            }
            labels.put(split, classes(l, labelFile));
            names.put(split, n);
            inputs.add(labelFile);
            inputs.add(nameFile);
        }
        labelNames = classNames != null ? List.copyOf(classNames) : defaultNames(classCount);
        if (labelNames.size() != classCount) {
            throw new FeatureException("--label-names gives " + labelNames.size() + " names but the labels have "
                    + classCount + " classes");
        }
        for (String[] m : LAYOUT) {
            Path f = required(root.resolve(m[1]));
            features.put(m[0], Hdf5Arrays.open(f));
            inputs.add(f);
        }
        if (norm == Norm.TRN) {
            Path f = required(root.resolve("A/comparE_mean_std.h5"));
            inputs.add(f);
            try (Hdf5Arrays ms = Hdf5Arrays.open(f)) {
                Hdf5Arrays.Values m = ms.get(cv + "/mean");
                Hdf5Arrays.Values s = ms.get(cv + "/std");
                if (m == null || s == null) {
                    throw new FeatureException(f + " has no '" + cv + "/mean' and '" + cv + "/std' for --cv " + cv
                            + " (use --norm utt to normalise per utterance)");
                }
                mean = m.data();
                std = s.data();
                for (int i = 0; i < std.length; i++) {
                    if (std[i] == 0f || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                        throw new FeatureException(f + ": fold " + cv + " has std " + std[i] + " and mean " + mean[i]
                                + " for feature " + i + " (normalising would give non-finite values; use --norm utt)");
                    }
                }
            }
        }
        String first = name("train", 0);
        for (String[] m : LAYOUT) {
            Hdf5Arrays.Values v = features.get(m[0]).get(first);
            if (v == null || v.dims().length != 2) {
                throw new FeatureException(features.get(m[0]).file() + ": the first training utterance '" + first
                        + "' is " + (v == null ? "missing" : "of shape " + Arrays.toString(v.dims()))
                        + "; expected [frames, features]");
            }
            int len = Integer.parseInt(m[2]);
            String transform = "zero-padded to " + len + " positions" + (m[0].equals("audio")
                    ? "; normalised " + (norm == Norm.TRN ? "with fold " + cv + "'s mean and std (comparE_mean_std.h5)"
                    : "per utterance (mean, unbiased std; std 0 -> 1)") + " before padding" : "");
            modalities.add(StoreManifest.ModalityInfo.imported(m[0], m[1] + ": <utterance>", List.of(len, v.dims()[1]),
                    m[0] + "_length", transform));
        }
        if (mean != null && (mean.length != width("audio") || std.length != width("audio"))) {
            throw new FeatureException("comparE_mean_std.h5: fold " + cv + " has " + mean.length + " means for "
                    + width("audio") + " audio features");
        }
    }

    /** Class per row: argmax of a 2-D [N, C] label array (one-hot or scores), or 1-D integers. */
    private long[] classes(NdArray l, Path file) {
        int[] s = l.shape();
        long[] out;
        int classCount;
        if (s.length == 2) {
            classCount = s[1];
            out = new long[s[0]];
            for (int i = 0; i < s[0]; i++) {
                int best = 0;
                for (int c = 1; c < s[1]; c++) {
                    if (l.getDouble((long) i * s[1] + c) > l.getDouble((long) i * s[1] + best)) {
                        best = c; // first maximum, as numpy's argmax
                    }
                }
                out[i] = best;
            }
        } else if (s.length == 1) {
            out = new long[s[0]];
            classCount = 0;
            for (int i = 0; i < s[0]; i++) {
                out[i] = l.getLong(i);
                classCount = (int) Math.max(classCount, out[i] + 1);
            }
        } else {
            throw new FeatureException(file + " has shape " + Arrays.toString(s) + "; expected [N, classes] one-hot "
                    + "labels (or [N] class indices)");
        }
        this.classCount = Math.max(this.classCount, classCount);
        return out;
    }

    private static List<String> defaultNames(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("class_" + i);
        }
        return out;
    }

    private static Path required(Path f) {
        if (!Files.isRegularFile(f)) {
            throw new FeatureException(f + " not found (the iemocap format expects the MMIN layout: A/comparE.h5, "
                    + "A/comparE_mean_std.h5, V/denseface.h5, L/bert_large.h5, target/<cv>/{trn,val,tst}_label.npy "
                    + "and _int2name.npy)");
        }
        return f;
    }

    private int width(String modality) {
        return modalities.stream().filter(m -> m.name().equals(modality)).findFirst().orElseThrow().featureWidth();
    }

    private String name(String split, long i) {
        NdArray n = names.get(split);
        long per = n.ndim() == 1 ? 1 : n.size() / n.shape()[0];
        return n.getString(i * per);
    }

    @Override
    public String format() {
        return "iemocap";
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public List<Path> inputFiles() {
        return inputs;
    }

    @Override
    public StoreManifest.TaskInfo task() {
        return StoreManifest.TaskInfo.classification();
    }

    @Override
    public List<String> labelNames() {
        return labelNames;
    }

    @Override
    public List<StoreManifest.ModalityInfo> modalities() {
        return modalities;
    }

    @Override
    public List<String> splits() {
        return STORE_SPLITS;
    }

    @Override
    public long size(String split) {
        return labels.get(split).length;
    }

    @Override
    public Rows rows(String split) {
        return Rows.indexed(size(split), i -> {
            String utt = name(split, i);
            try {
                return Entry.good(i, row(utt, labels.get(split)[(int) i]));
            } catch (BadSampleException e) {
                return Entry.bad(i, e);
            }
        });
    }

    private FeatureRow row(String utt, long label) throws BadSampleException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (StoreManifest.ModalityInfo m : modalities) {
            Hdf5Arrays file = features.get(m.name());
            Hdf5Arrays.Values v = file.get(utt);
            if (v == null) {
                throw new BadSampleException(utt, file.file(), "no " + m.name() + " features for this utterance");
            }
            int max = m.sequenceLength();
            int d = m.featureWidth();
            int[] dims = v.dims();
            if (dims.length != 2 || dims[1] != d || dims[0] < 1 || dims[0] > max) {
                throw new BadSampleException(utt, file.file(), m.name() + " features have shape "
                        + Arrays.toString(dims) + "; expected [1.." + max + ", " + d + "]");
            }
            float[] frames = v.data();
            if (m.name().equals("audio")) {
                frames = norm == Norm.TRN ? normaliseWith(frames, d, mean, std) : normalisePerUtterance(frames, d);
            }
            values.put(m.name(), Arrays.copyOf(frames, max * d)); // zero padding after the real frames
            lengths.put(m.name(), dims[0]);
        }
        return new FeatureRow(utt, label, values, lengths);
    }

    private static float[] normaliseWith(float[] x, int d, float[] mean, float[] std) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean[i % d]) / std[i % d];
        }
        return out;
    }

    /** As torch: mean and unbiased std over frames (NaN for one frame), std 0 → 1. */
    static float[] normalisePerUtterance(float[] x, int d) {
        int t = x.length / d;
        float[] mean = new float[d];
        float[] std = new float[d];
        for (int k = 0; k < d; k++) {
            double s = 0;
            for (int f = 0; f < t; f++) {
                s += x[f * d + k];
            }
            double m = s / t;
            double ss = 0;
            for (int f = 0; f < t; f++) {
                double dev = x[f * d + k] - m;
                ss += dev * dev;
            }
            mean[k] = (float) m;
            float sd = (float) Math.sqrt(ss / (t - 1));
            std[k] = sd == 0f ? 1f : sd;
        }
        return normaliseWith(x, d, mean, std);
    }

    @Override
    public void close() {
        for (Hdf5Arrays f : features.values()) {
            f.close();
        }
        features.clear();
    }
}
