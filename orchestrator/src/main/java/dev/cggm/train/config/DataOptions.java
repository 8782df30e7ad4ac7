package dev.cggm.train.config;

import java.util.List;

/**
 * What to train on.
 *
 * @param features     the feature store directory
 * @param modalities   the store's modalities to train on (empty: all) — a subset gives the
 *                     unimodal baselines ({@code --modalities text})
 * @param augmentation how training batches are augmented (absent in runs written before it: none)
 */
public record DataOptions(String features, List<String> modalities, Augmentation augmentation) {
    public DataOptions {
        InvalidOption.required("features", features);
        modalities = modalities == null ? List.of() : List.copyOf(modalities);
        if (modalities.stream().distinct().count() != modalities.size()) {
            throw new InvalidOption("modalities", "names a modality twice: " + modalities);
        }
        augmentation = augmentation == null ? Augmentation.NONE : augmentation;
    }
}
