package dev.cggm.features.store;

import java.nio.file.Path;
import java.util.Locale;

/** File names inside a feature store: {@code manifest.json}, {@code <split>/part-NNNNN.arrow} and its {@code .json} sidecar. */
public final class StoreLayout {
    private StoreLayout() {
    }

    /** Relative path of shard {@code k} of {@code split}. */
    public static String shardFile(String split, int k) {
        return split + "/" + String.format(Locale.ROOT, "part-%05d.arrow", k);
    }

    /** The sidecar of a shard file (same name, {@code .json}). */
    public static Path sidecar(Path arrowFile) {
        String n = arrowFile.getFileName().toString();
        return arrowFile.resolveSibling(n.substring(0, n.length() - ".arrow".length()) + ".json");
    }
}
