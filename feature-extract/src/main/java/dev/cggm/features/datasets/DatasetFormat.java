package dev.cggm.features.datasets;

import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The dataset layouts {@code cggm extract} reads. */
public enum DatasetFormat {
    /** The reference's Food-101 layout: {@code {train,dev,test}.json} arrays of {id, text_tokens, img_path, label}. */
    FOOD101,
    /** A JSON-lines manifest: one {id, text, image, label, split} object per line. */
    JSONL,
    /** The built-in demo dataset, generated into the directory on first use. */
    DEMO;

    public static DatasetFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new FeatureException("unknown dataset format '" + s + "': use food101, jsonl or demo");
        }
    }

    /** Opens (for {@link #DEMO}: prepares, then opens) a dataset in this format. */
    public Dataset open(Path dir) throws IOException {
        return switch (this) {
            case FOOD101 -> Food101Dataset.open(dir);
            case JSONL -> JsonlDataset.open(dir);
            case DEMO -> DemoDataset.open(dir);
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
