package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;

import java.util.Locale;

/** The layouts {@code cggm import} reads. */
public enum ImportFormat {
    /** CMU-MOSI / MOSEI pickle as the CGGM and MulT code read it ({@link MosiSource}). */
    MOSI,
    /** IEMOCAP features in the MMIN layout ({@link IemocapSource}). */
    IEMOCAP,
    /** Parquet or Arrow tables ({@link TableSource}). */
    TABLE;

    public static ImportFormat parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "mosi", "mosei" -> MOSI;
            case "iemocap" -> IEMOCAP;
            case "table", "parquet", "arrow" -> TABLE;
            default -> throw new FeatureException("unknown import format '" + s + "': use mosi, iemocap or table");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
