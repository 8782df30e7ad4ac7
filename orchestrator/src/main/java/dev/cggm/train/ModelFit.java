package dev.cggm.train;

import dev.cggm.onnx.models.Architecture;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModelFeature;
import dev.cggm.onnx.models.ModelRequest;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.method.MethodDescriptor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Fits a run's model to its feature set: the configured architecture, sized by the preset, with
 * modalities (names, widths, sequence lengths), task and classes from the data. A preset, method
 * or architecture that does not fit the data is an {@link InvalidOption} saying why.
 */
public final class ModelFit {
    private ModelFit() {
    }

    /** The architecture configuration of a run on {@code data} (already restricted to the run's modalities). */
    public static ArchitectureConfig configure(TrainConfig cfg, FeatureData data) {
        MethodDescriptor<?> method = cfg.methodDescriptor();
        String refusal = method.refusal(data.modalities().size());
        if (refusal != null) {
            throw new InvalidOption("method", refusal);
        }
        Architecture arch = Architectures.get(cfg.model().architecture());
        if (!arch.tasks().contains(data.task())) {
            List<String> fit = method.architectures().stream()
                    .filter(a -> Architectures.get(a).tasks().contains(data.task())).toList();
            if (!fit.isEmpty()) {
                throw new InvalidOption("model.architecture", "architecture '" + arch.id() + "' does not learn "
                        + data.task().id() + "; use " + String.join(" or ", fit));
            }
            throw new InvalidOption("method", "method '" + method.id() + "' does not run on " + data.task().id()
                    + " (its architectures " + method.architectures() + " do not learn it); methods that do: "
                    + String.join(", ", methodsFor(data.task())));
        }
        Set<ModelFeature> missing = EnumSet.noneOf(ModelFeature.class);
        missing.addAll(method.requires());
        missing.removeAll(arch.features());
        if (!missing.isEmpty()) {
            throw new InvalidOption("model.architecture", "method '" + method.id() + "' needs " + missing
                    + ", which architecture '" + arch.id() + "' does not offer");
        }
        List<Modality> ms = new ArrayList<>();
        for (ModalityShape m : data.modalities()) {
            if (m.seqLen() <= 0 || m.dim() <= 0) {
                throw new IllegalArgumentException("modality '" + m.name() + "' of the features has shape [" + m.seqLen()
                        + ", " + m.dim() + "]; both must be positive");
            }
            ms.add(new Modality(m.name(), m.dim(), m.seqLen()));
        }
        try {
            return arch.configure(new ModelRequest(cfg.model().preset(), ms, data.task(), data.numClasses(),
                    cfg.model().modalityOrder(), cfg.model().faithfulProjection()));
        } catch (InvalidOption e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidOption("model.preset", e.getMessage());
        }
    }

    /** The methods with an architecture that learns {@code task}. */
    static List<String> methodsFor(dev.cggm.onnx.tasks.Task task) {
        return dev.cggm.train.method.Methods.all().stream()
                .filter(d -> d.architectures().stream().anyMatch(a -> Architectures.get(a).tasks().contains(task)))
                .map(MethodDescriptor::id).toList();
    }
}
