package dev.cggm.onnx.models;

import dev.cggm.onnx.tasks.Task;

import java.util.List;

/**
 * What a model must fit: a preset's sizes, the data's modalities (in the data's order), task and
 * classes, and the options that shape the architecture.
 *
 * @param modalityOrder the order the model reads the modalities in (empty: the preset's order for
 *                      modalities it names, the data's otherwise)
 * @param faithfulProjection reproduce the official Food-101 code's projection slip (text
 *                      projected with the image projection); cggm-reference only
 */
public record ModelRequest(String preset, List<Modality> modalities, Task task, int numClasses,
                           List<String> modalityOrder, boolean faithfulProjection) {
    public ModelRequest {
        modalities = List.copyOf(modalities);
        modalityOrder = modalityOrder == null ? List.of() : List.copyOf(modalityOrder);
    }

    public ModelRequest(String preset, List<Modality> modalities, Task task, int numClasses) {
        this(preset, modalities, task, numClasses, List.of(), false);
    }
}
