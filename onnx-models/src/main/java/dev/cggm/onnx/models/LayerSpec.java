package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * A linear layer y = x·Wᵀ + b of a model, with its role.
 *
 * @param name        the layer's name (its parameters' common prefix)
 * @param weight      the weight parameter, stored [outFeatures, inFeatures]
 * @param bias        the bias parameter (null when the layer has none)
 * @param modality    the modality the layer belongs to (null for shared layers)
 * @param inputSlices for a layer over concatenated modality features (a late-fusion head), the
 *                    input columns [from, to) of each modality; empty otherwise
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record LayerSpec(String name, String weight, String bias, LayerRole role, String modality, int inFeatures,
                        int outFeatures, Map<String, List<Integer>> inputSlices) {
    public LayerSpec {
        inputSlices = inputSlices == null ? Map.of() : Map.copyOf(inputSlices);
    }

    public static LayerSpec of(String name, LayerRole role, String modality, int in, int out) {
        return new LayerSpec(name, name + ".weight", name + ".bias", role, modality, in, out, Map.of());
    }
}
