package dev.cggm.compare;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of a comparison: a method (or variant) on an architecture (null: the method's default),
 * trained on some of the store's modalities (empty: all).
 *
 * @param label shown in the report ({@code cggm}, {@code joint@late-fusion}, {@code unimodal text})
 */
public record ComparisonEntry(String label, String method, String architecture, List<String> modalities) {
    public ComparisonEntry {
        modalities = List.copyOf(modalities);
    }

    /**
     * Entries of a {@code --methods} list: {@code ID} or {@code ID@ARCHITECTURE}; plus, with
     * {@code unimodal}, a joint late-fusion row per modality of the store.
     */
    public static List<ComparisonEntry> parse(List<String> methods, List<String> storeModalities, boolean unimodal) {
        List<ComparisonEntry> out = new ArrayList<>();
        for (String m : methods) {
            String s = m.trim();
            if (s.isEmpty()) {
                continue;
            }
            int at = s.indexOf('@');
            out.add(new ComparisonEntry(s, at < 0 ? s : s.substring(0, at), at < 0 ? null : s.substring(at + 1), List.of()));
        }
        if (unimodal) {
            for (String modality : storeModalities) {
                out.add(new ComparisonEntry("unimodal " + modality, "joint", "late-fusion", List.of(modality)));
            }
        }
        return out;
    }
}
