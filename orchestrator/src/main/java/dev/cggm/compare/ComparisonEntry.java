package dev.cggm.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of a comparison: a method (or variant) with some of its options, on an architecture
 * (null: the method's default), trained on some of the store's modalities (empty: all).
 *
 * @param label   shown in the report ({@code cggm}, {@code joint@late-fusion}, {@code unimodal text})
 * @param options the method's options by name ({@code start_epoch} → {@code 0})
 */
public record ComparisonEntry(String label, String method, String architecture, List<String> modalities,
                              Map<String, String> options) {
    public ComparisonEntry {
        modalities = List.copyOf(modalities);
        options = Map.copyOf(options);
    }

    /**
     * Entries of a {@code --methods} list: {@code ID[@ARCHITECTURE][:option=value...]} (e.g.
     * {@code ogm-ge:start_epoch=0}); plus, with {@code unimodal}, a joint late-fusion row per
     * modality of the store.
     */
    public static List<ComparisonEntry> parse(List<String> methods, List<String> storeModalities, boolean unimodal) {
        List<ComparisonEntry> out = new ArrayList<>();
        for (String m : methods) {
            String s = m.trim();
            if (s.isEmpty()) {
                continue;
            }
            String[] parts = s.split(":");
            Map<String, String> options = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--methods: '" + s + "': a method option is NAME=VALUE, got '"
                            + parts[i] + "'");
                }
                options.put(parts[i].substring(0, eq).trim().replace('-', '_'), parts[i].substring(eq + 1).trim());
            }
            String head = parts[0];
            int at = head.indexOf('@');
            out.add(new ComparisonEntry(s, at < 0 ? head : head.substring(0, at), at < 0 ? null : head.substring(at + 1),
                    List.of(), options));
        }
        if (unimodal) {
            for (String modality : storeModalities) {
                out.add(new ComparisonEntry("unimodal " + modality, "joint", "late-fusion", List.of(modality), Map.of()));
            }
        }
        return out;
    }
}
