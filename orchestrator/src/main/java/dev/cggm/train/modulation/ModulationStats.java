package dev.cggm.train.modulation;

import java.util.Map;

/**
 * What a modulation did in one step, for metrics.
 *
 * @param classifierAccuracy modality → batch accuracy of its classifier
 * @param coefficients       modality → gradient coefficient applied to its encoder (1 when none)
 * @param cosines            modality → cosine between its classifier and the fusion out-layer (NaN when unused)
 * @param balanceLoss        the direction term L_gm of this step (NaN when unused)
 * @param addedLoss          loss added to the task loss this step (λ·L_gm as the reference reports it; 0 when none)
 * @param guardTriggered     whether a guarded coefficient rule had to intervene
 */
public record ModulationStats(Map<String, Double> classifierAccuracy, Map<String, Double> coefficients,
                              Map<String, Double> cosines, double balanceLoss, double addedLoss,
                              boolean guardTriggered) {
}
