package dev.cggm.train.config;

import dev.cggm.onnx.models.Architectures;

import java.util.List;

/**
 * Which model: a preset (sizes and training defaults), the architecture (by default the
 * method's), the order the model reads its modalities in, and the cggm-reference's faithful
 * projection slip.
 *
 * @param modalityOrder empty: the preset's order (food101: image, then text), else the data's
 */
public record ModelOptions(String preset, String architecture, List<String> modalityOrder, boolean faithfulProjection) {
    public ModelOptions {
        InvalidOption.required("preset", preset);
        InvalidOption.required("architecture", architecture);
        try {
            Architectures.get(architecture);
        } catch (IllegalArgumentException e) {
            throw new InvalidOption("architecture", e.getMessage());
        }
        modalityOrder = modalityOrder == null ? List.of() : List.copyOf(modalityOrder);
    }
}
