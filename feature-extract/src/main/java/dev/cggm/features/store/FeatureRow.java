package dev.cggm.features.store;

import java.util.Map;

/**
 * One sample to append to a shard.
 *
 * @param id       sample id
 * @param target   the target: a {@link Number} for a scalar target (class index or value), or a
 *                 {@code long[]} / {@code float[]} of the target's per-sample size for shaped targets
 * @param features per modality, its values (row-major, the modality's width)
 * @param lengths  per modality that has a length column, its real positions
 */
public record FeatureRow(String id, Object target, Map<String, float[]> features, Map<String, Integer> lengths) {
}
