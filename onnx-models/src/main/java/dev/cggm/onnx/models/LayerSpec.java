package dev.cggm.onnx.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A layer of a model with a role: a linear layer y = x·Wᵀ + b, or a 2-D convolution. Methods that
 * compare or edit a layer's weight (CGGM's cosines, a projection) work on the weight tensor
 * flattened, so both kinds serve them alike.
 *
 * @param name        the layer's name (its parameters' common prefix)
 * @param weight      the weight parameter: [outFeatures, inFeatures] for a linear layer,
 *                    [outChannels, inChannels, kh, kw] for a convolution
 * @param bias        the bias parameter (null when the layer has none)
 * @param modality    the modality the layer belongs to (null for shared layers)
 * @param inFeatures  input features (a convolution: input channels)
 * @param outFeatures output features (a convolution: output channels)
 * @param inputSlices for a layer over concatenated modality features (a late-fusion head), the
 *                    input columns [from, to) of each modality; empty otherwise
 * @param kind        linear (also when absent: artifacts written before convolutions) or conv
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record LayerSpec(String name, String weight, String bias, LayerRole role, String modality, int inFeatures,
                        int outFeatures, Map<String, List<Integer>> inputSlices, Kind kind) {
    /** What computes the layer. */
    public enum Kind {
        LINEAR,
        CONV;

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Kind of(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT));
        }
    }

    public LayerSpec {
        inputSlices = inputSlices == null ? Map.of() : Map.copyOf(inputSlices);
        kind = kind == null ? Kind.LINEAR : kind;
    }

    /** A linear layer. */
    public LayerSpec(String name, String weight, String bias, LayerRole role, String modality, int inFeatures,
                     int outFeatures, Map<String, List<Integer>> inputSlices) {
        this(name, weight, bias, role, modality, inFeatures, outFeatures, inputSlices, Kind.LINEAR);
    }

    public static LayerSpec of(String name, LayerRole role, String modality, int in, int out) {
        return new LayerSpec(name, name + ".weight", name + ".bias", role, modality, in, out, Map.of());
    }

    /** A convolution with weight {@code <name>.weight} and, when {@code hasBias}, bias {@code <name>.bias}. */
    public static LayerSpec conv(String name, LayerRole role, String modality, int inChannels, int outChannels,
                                 boolean hasBias) {
        return new LayerSpec(name, name + ".weight", hasBias ? name + ".bias" : null, role, modality, inChannels,
                outChannels, Map.of(), Kind.CONV);
    }
}
