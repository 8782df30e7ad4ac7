package dev.cggm.onnx.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The order a model reads its modalities in. It is part of the model: a fused sequence's first
 * position, or a concat head's columns, depend on it. An explicit order wins; otherwise the
 * preset's order for the modalities it names (so a preset reproduces its reference model
 * whatever order a feature store lists), then the data's order for the rest.
 */
public final class ModalityOrder {
    private ModalityOrder() {
    }

    /**
     * @param data     the data's modalities, in the data's order
     * @param explicit the order asked for (names of all modalities), or empty
     * @param preset   the preset's preferred order (may name modalities the data lacks)
     */
    public static List<Modality> arrange(List<Modality> data, List<String> explicit, List<String> preset) {
        List<String> names = data.stream().map(Modality::name).toList();
        if (!explicit.isEmpty()) {
            if (explicit.size() != names.size() || !explicit.containsAll(names)) {
                throw new IllegalArgumentException("the modality order " + explicit + " must name each of the data's modalities "
                        + names + " once");
            }
            return explicit.stream().map(n -> data.get(names.indexOf(n))).toList();
        }
        List<Modality> out = new ArrayList<>();
        for (String p : preset) {
            if (names.contains(p)) {
                out.add(data.get(names.indexOf(p)));
            }
        }
        for (Modality m : data) {
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }
}
