package dev.cggm.train;

import dev.cggm.onnx.models.MultimodalUNet;
import dev.cggm.train.config.Augmentation;
import dev.cggm.train.config.AuxiliaryOptions;
import dev.cggm.train.config.DataOptions;
import dev.cggm.train.config.LoopOptions;
import dev.cggm.train.config.ModelOptions;
import dev.cggm.train.config.OptimizerKind;
import dev.cggm.train.config.OptimizerOptions;
import dev.cggm.train.config.RuntimeOptions;
import dev.cggm.train.config.ScheduleKind;
import dev.cggm.train.config.ScheduleOptions;
import dev.cggm.train.config.SelectBy;
import dev.cggm.train.method.MethodDescriptor;

import java.util.List;

/**
 * Training defaults per preset, from the official CGGM run scripts: Food-101 uses AdamW (weight
 * decay 6e-3, classifiers 3e-3), lr 1e-3 (classifiers 5e-4), clip 0.8, plateau scheduler with
 * patience 10, batch 128, 60 epochs; MOSI and IEMOCAP use Adam without weight decay, batch 64,
 * 30 epochs. BraTS (segmentation, on the multimodal U-Net) as the official {@code brats_run.py}:
 * SGD with momentum 0.9 and weight decay 3e-4, lr 1e-2 with a cosine schedule to 1e-3 after 10
 * warm-up epochs from 4e-4, classifiers lr 6e-3, 75 epochs, no clipping (the script's
 * {@code --clip} is never used by {@code segtrain.py}) — but batch 8 instead of 64, which is what a
 * CPU step of seconds affords —, with the loader's augmentation (rotation, flip, noise). The
 * method's own defaults come from its descriptor. Every value
 * can be overridden.
 */
public final class Recipes {
    private Recipes() {
    }

    /** The default configuration for {@code preset}, training {@code features} with {@code method}'s defaults. */
    public static TrainConfig defaults(String preset, String features, MethodDescriptor<?> method) {
        DataOptions data = new DataOptions(features, List.of(),
                "brats".equals(preset) ? Augmentation.BRATS : Augmentation.NONE);
        ModelOptions model = new ModelOptions(preset, architecture(preset, method), List.of(), false);
        ScheduleOptions plateau = new ScheduleOptions(ScheduleKind.PLATEAU, 10, 0.1, 0, 0, 10, 0.1);
        RuntimeOptions runtime = new RuntimeOptions("auto", 0);
        return switch (preset) {
            case "food101" -> new TrainConfig(data, model, method.defaultsFor(preset),
                    new OptimizerOptions(OptimizerKind.ADAMW, 1e-3, 6e-3, 0.9), new AuxiliaryOptions(5e-4, 3e-3), plateau,
                    new LoopOptions(60, 128, 666, 0.8, true, 0, SelectBy.METRIC), runtime);
            case "mosi", "iemocap" -> new TrainConfig(data, model, method.defaultsFor(preset),
                    new OptimizerOptions(OptimizerKind.ADAM, 1e-3, 0, 0.9), new AuxiliaryOptions(5e-4, 0), plateau,
                    new LoopOptions(30, 64, 666, 0.8, true, 0, SelectBy.METRIC), runtime);
            case "brats" -> new TrainConfig(data, model, method.defaultsFor(preset),
                    new OptimizerOptions(OptimizerKind.SGD, 1e-2, 3e-4, 0.9), new AuxiliaryOptions(6e-3, 3e-4),
                    new ScheduleOptions(ScheduleKind.COSINE, 10, 0.1, 10, 1e-3, 10, 0.1),
                    new LoopOptions(75, 8, 666, 0, true, 0, SelectBy.METRIC), runtime);
            default -> new TrainConfig(data, model, method.defaultsFor(preset),
                    new OptimizerOptions(OptimizerKind.ADAMW, 1e-3, 6e-3, 0.9), new AuxiliaryOptions(5e-4, 3e-3), plateau,
                    new LoopOptions(3, 16, 666, 0.8, true, 0, SelectBy.METRIC), runtime);
        };
    }

    /** The preset's architecture where the method runs on it (BraTS: the multimodal U-Net), else the method's default. */
    static String architecture(String preset, MethodDescriptor<?> method) {
        if ("brats".equals(preset) && method.architectures().contains(MultimodalUNet.ID)) {
            return MultimodalUNet.ID;
        }
        return method.defaultArchitecture();
    }
}
