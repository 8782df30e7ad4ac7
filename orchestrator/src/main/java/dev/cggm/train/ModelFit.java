package dev.cggm.train;

import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.Presets;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.ModalityShape;

import java.util.ArrayList;
import java.util.List;

/**
 * Fits a preset's architecture to a feature set: modalities (names, widths, sequence lengths) and
 * classes come from the data, everything else from the preset. A preset for another task or
 * another number of modalities is an error naming both.
 */
public final class ModelFit {
    private ModelFit() {
    }

    public static CggmModelConfig configure(String preset, FeatureData data) {
        CggmModelConfig cfg = Presets.get(preset);
        if (cfg.task() != data.task()) {
            throw new IllegalArgumentException("preset '" + preset + "' is a " + cfg.task().id() + " model but the features ("
                    + data.describe() + ") are for " + data.task().id());
        }
        if (cfg.numModalities() != data.modalities().size()) {
            throw new IllegalArgumentException("preset '" + preset + "' has " + cfg.numModalities() + " modalities ("
                    + String.join(", ", cfg.modalities().stream().map(Modality::name).toList()) + ") but the features have "
                    + data.modalities().size() + " (" + String.join(", ", data.modalities().stream().map(ModalityShape::name).toList())
                    + "); choose a preset with " + data.modalities().size() + " modalities");
        }
        List<Modality> ms = new ArrayList<>();
        for (ModalityShape m : data.modalities()) {
            if (m.seqLen() <= 0 || m.dim() <= 0) {
                throw new IllegalArgumentException("modality '" + m.name() + "' of the features has shape [" + m.seqLen()
                        + ", " + m.dim() + "]; both must be positive");
            }
            ms.add(new Modality(m.name(), m.dim(), m.seqLen()));
        }
        return cfg.withModalities(ms).withOutputDim(data.numClasses());
    }
}
