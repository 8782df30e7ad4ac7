package dev.cggm.train;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.models.LayerRole;
import dev.cggm.onnx.models.LayerSpec;
import dev.cggm.onnx.models.ModelIO;

import java.util.List;

/**
 * The parts of a model a balancing method works on, from the roles recorded in
 * {@code artifacts.json}: a modality's encoder (and projection), the auxiliary classifiers, the
 * head's output layer, the layers of a head. Methods ask here instead of matching parameter
 * names.
 */
public final class ModelRoles {
    /** A linear layer: its record and its weight and bias parameters (bias may be null). */
    public record Layer(LayerSpec spec, ParameterSet.Param weight, ParameterSet.Param bias) {
        /** The input columns [from, to) of a modality in a layer over concatenated features. */
        public int[] inputSlice(String modality) {
            List<Integer> s = spec.inputSlices().get(modality);
            if (s == null) {
                throw new IllegalArgumentException("layer '" + spec.name() + "' has no input slice for modality '"
                        + modality + "'");
            }
            return new int[] {s.get(0), s.get(1)};
        }
    }

    private final ArtifactManifest manifest;
    private final ParameterSet params;

    public ModelRoles(ArtifactManifest manifest, ParameterSet params) {
        this.manifest = manifest;
        this.params = params;
    }

    /** The model's modalities, in model order. */
    public List<String> modalities() {
        return manifest.model().modalityNames();
    }

    /** The parameters of a modality's encoder (CGGM scales these). */
    public List<ParameterSet.Param> encoder(String modality) {
        return params.group(ModelIO.encoderGroup(modality));
    }

    /** Everything specific to a modality: its projection and its encoder. */
    public List<ParameterSet.Param> modality(String modality) {
        List<ParameterSet.Param> out = new java.util.ArrayList<>(params.group(ModelIO.projectionGroup(modality)));
        out.addAll(encoder(modality));
        return out;
    }

    /** A modality's auxiliary classifier. */
    public List<ParameterSet.Param> auxiliary(String modality) {
        return params.group(ModelIO.classifierGroup(modality));
    }

    /** The fused model's output layer. */
    public Layer headOut() {
        return only(LayerRole.HEAD_OUT, null);
    }

    /** The output layer of a modality's auxiliary classifier. */
    public Layer auxiliaryOut(String modality) {
        return only(LayerRole.AUXILIARY_OUT, modality);
    }

    /** Every layer of a role, in model order; {@code modality} null for any. */
    public List<Layer> layers(LayerRole role, String modality) {
        return manifest.layers().stream()
                .filter(l -> l.role() == role && (modality == null || modality.equals(l.modality())))
                .map(this::layer).toList();
    }

    private Layer only(LayerRole role, String modality) {
        List<Layer> found = layers(role, modality);
        if (found.size() != 1) {
            throw new IllegalStateException("architecture '" + manifest.model().architecture() + "' has " + found.size()
                    + " " + role.id() + " layers" + (modality == null ? "" : " for modality '" + modality + "'")
                    + "; expected one");
        }
        return found.get(0);
    }

    private Layer layer(LayerSpec spec) {
        return new Layer(spec, params.get(spec.weight()), spec.bias() == null ? null : params.get(spec.bias()));
    }
}
