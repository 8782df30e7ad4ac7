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
    TABLE,
    /** The BraTS 2021 release: a folder of NIfTI-1 volumes per case ({@link BratsSource}). */
    BRATS,
    /** The CGGM code's preprocessed BraTS h5 volumes ({@link BratsSource}). */
    BRATS_H5,
    /** The generated BraTS-like phantom dataset ({@link dev.cggm.features.brats.BratsPhantom}). */
    BRATS_DEMO;

    /** Whether this is one of the BraTS formats (volumes cut into slices; shards of a few cases). */
    public boolean isBrats() {
        return this == BRATS || this == BRATS_H5 || this == BRATS_DEMO;
    }

    public static ImportFormat parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "mosi", "mosei" -> MOSI;
            case "iemocap" -> IEMOCAP;
            case "table", "parquet", "arrow" -> TABLE;
            case "brats" -> BRATS;
            case "brats-h5" -> BRATS_H5;
            case "brats-demo" -> BRATS_DEMO;
            default -> throw new FeatureException("unknown import format '" + s + "': use mosi, iemocap, table, brats, "
                    + "brats-h5 or brats-demo");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
