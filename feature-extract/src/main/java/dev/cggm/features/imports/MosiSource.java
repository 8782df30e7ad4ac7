package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CMU-MOSI / CMU-MOSEI as the CGGM and MulT code read them: one pickle of
 * {@code {'train'|'valid'|'test': {'text': [N, L, 300], 'audio': [N, L, A], 'vision': [N, L, V],
 * 'labels': [N, 1, 1], 'id'?: [N, k] strings}}} (MOSI: A = 5, V = 20; MOSEI: A = 74, V = 35;
 * L = 50). As the reference, values become float32 and audio's −inf become 0; the label is the
 * sentiment in [−3, 3] (a regression target). {@code valid} is stored as {@code validation}.
 * Ids are the {@code id} row's strings joined by {@code _}, or {@code <split>-<index>}.
 *
 * <p>The pickle is held in memory while importing (Java arrays: at most 2 GiB per array).
 */
public final class MosiSource implements ImportSource {
    /** Modalities in the reference's order. */
    public static final List<String> MODALITIES = List.of("text", "audio", "vision");
    private static final Map<String, String> SPLITS = Map.of("train", "train", "validation", "valid", "test", "test");
    private static final List<String> STORE_SPLITS = List.of("train", "validation", "test");

    private final Path file;
    private final Map<String, Map<String, NdArray>> data = new LinkedHashMap<>();
    private final List<StoreManifest.ModalityInfo> modalities = new ArrayList<>();

    private MosiSource(Path file) {
        this.file = file;
    }

    /** Reads and checks the pickle; any problem of its structure is one line naming the key and shape. */
    public static MosiSource open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FeatureException("--dataset " + file + ": not a file (mosi expects the pickle, e.g. "
                    + "mosi_data.pkl or mosei_senti_data.pkl)");
        }
        MosiSource s = new MosiSource(file);
        s.load(NumpyPickle.load(file));
        return s;
    }

    private void load(Object root) {
        if (!(root instanceof Map<?, ?> top)) {
            throw new FeatureException(file + ": expected a dict of splits, found " + type(root));
        }
        int[][] shapes = new int[MODALITIES.size()][];
        for (String split : STORE_SPLITS) {
            String key = SPLITS.get(split);
            Object s = top.get(key);
            if (!(s instanceof Map<?, ?> arrays)) {
                throw new FeatureException(file + ": no '" + key + "' split (keys: " + keys(top) + ")");
            }
            Map<String, NdArray> m = new LinkedHashMap<>();
            long n = -1;
            for (int i = 0; i < MODALITIES.size(); i++) {
                String mod = MODALITIES.get(i);
                NdArray a = array(arrays, key, mod);
                if (a.ndim() != 3) {
                    throw new FeatureException(file + ": " + key + "/" + mod + " has shape " + Arrays.toString(a.shape())
                            + "; expected [N, L, D] (e.g. [N, 50, 300] for text)");
                }
                if (shapes[i] == null) {
                    shapes[i] = a.shape();
                } else if (shapes[i][1] != a.shape()[1] || shapes[i][2] != a.shape()[2]) {
                    throw new FeatureException(file + ": " + key + "/" + mod + " has shape " + Arrays.toString(a.shape())
                            + " but train/" + mod + " has " + Arrays.toString(shapes[i]) + " (L and D must agree)");
                }
                n = sameCount(n, a, key + "/" + mod);
                m.put(mod, a);
            }
            NdArray labels = array(arrays, key, "labels");
            if (labels.size() != n || labels.shape().length == 0 || labels.shape()[0] != n) {
                throw new FeatureException(file + ": " + key + "/labels has shape " + Arrays.toString(labels.shape())
                        + "; expected one value per sample, [" + n + ", 1, 1]");
            }
            if (!labels.dtype().isNumeric()) {
                throw new FeatureException(file + ": " + key + "/labels are " + labels.dtype() + ", not numbers");
            }
            m.put("labels", labels);
            if (arrays.get("id") instanceof NdArray ids && ids.shape().length > 0 && ids.shape()[0] == n) {
                m.put("id", ids);
            }
            data.put(split, m);
        }
        for (int i = 0; i < MODALITIES.size(); i++) {
            String mod = MODALITIES.get(i);
            modalities.add(StoreManifest.ModalityInfo.imported(mod, file.getFileName() + ": <split>/" + mod,
                    List.of(shapes[i][1], shapes[i][2]), null,
                    mod.equals("audio") ? "float32; -inf replaced by 0 (as the reference)" : "float32"));
        }
    }

    private NdArray array(Map<?, ?> arrays, String split, String key) {
        Object a = arrays.get(key);
        if (a == null) {
            throw new FeatureException(file + ": split '" + split + "' has no '" + key + "' array (keys: "
                    + keys(arrays) + ")");
        }
        if (!(a instanceof NdArray nd)) {
            throw new FeatureException(file + ": " + split + "/" + key + " is a " + type(a) + ", not a numpy array");
        }
        return nd;
    }

    private long sameCount(long n, NdArray a, String what) {
        long here = a.shape()[0];
        if (n >= 0 && here != n) {
            throw new FeatureException(file + ": " + what + " has " + here + " samples, the split's other arrays " + n);
        }
        return here;
    }

    private static String keys(Map<?, ?> m) {
        return m.keySet().stream().map(String::valueOf).sorted().toList().toString();
    }

    private static String type(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    @Override
    public String format() {
        return "mosi";
    }

    @Override
    public Path root() {
        return file;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of(file);
    }

    @Override
    public StoreManifest.TaskInfo task() {
        return StoreManifest.TaskInfo.regression("sentiment", List.of(-3.0, 3.0));
    }

    @Override
    public List<String> labelNames() {
        return List.of();
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
        return data.get(split).get("labels").shape()[0];
    }

    @Override
    public Rows rows(String split) {
        Map<String, NdArray> m = data.get(split);
        return Rows.indexed(size(split), i -> {
            Map<String, float[]> features = new LinkedHashMap<>();
            for (StoreManifest.ModalityInfo mod : modalities) {
                float[] v = new float[mod.width()];
                m.get(mod.name()).copyFloats(i * v.length, v, 0, v.length);
                if (mod.name().equals("audio")) {
                    for (int k = 0; k < v.length; k++) {
                        if (v[k] == Float.NEGATIVE_INFINITY) {
                            v[k] = 0f;
                        }
                    }
                }
                features.put(mod.name(), v);
            }
            float label = m.get("labels").getFloat(i);
            return Entry.good(i, new FeatureRow(id(m.get("id"), split, i), label, features, Map.of()), file);
        });
    }

    private static String id(NdArray ids, String split, long i) {
        if (ids == null) {
            return split + "-" + i;
        }
        int[] s = ids.shape();
        long per = s.length == 1 ? 1 : ids.size() / s[0];
        List<String> parts = new ArrayList<>();
        for (long k = 0; k < per; k++) {
            parts.add(ids.getString(i * per + k));
        }
        return String.join("_", parts);
    }

    @Override
    public void close() {
        data.clear();
    }
}
