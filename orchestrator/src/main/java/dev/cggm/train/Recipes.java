package dev.cggm.train;

import dev.cggm.train.modulation.CggmOptions;

/**
 * Training defaults per preset, from the official CGGM run scripts: Food-101 uses AdamW (weight
 * decay 6e-3, classifiers 3e-3), lr 1e-3 (classifiers 5e-4), clip 0.8, plateau scheduler with
 * patience 10, ρ 1.3, λ 0.05, batch 128, 60 epochs; MOSI and IEMOCAP use Adam without weight
 * decay, λ 0.2, batch 64, 30 epochs. Every value can be overridden on the command line.
 */
public final class Recipes {
    private Recipes() {
    }

    /** The default configuration for {@code preset}, training {@code features} with {@code modulation}. */
    public static TrainConfig defaults(String preset, String features, String modulation) {
        CggmOptions.Direction dir = CggmOptions.Direction.WEIGHTS;
        CggmOptions.Coefficients coeff = CggmOptions.Coefficients.FAITHFUL;
        return switch (preset) {
            case "food101" -> new TrainConfig(features, preset, modulation, 1.3, 0.05, dir, coeff, 60, 128, 666,
                    "adamw", 1e-3, 6e-3, 0.9, 5e-4, 3e-3, 0.8, "plateau", 10, 0.1, 0, 0, 10, 0.1, true, "auto", 0, 0,
                    "metric");
            case "mosi", "iemocap" -> new TrainConfig(features, preset, modulation, 1.3, 0.2, dir, coeff, 30, 64, 666,
                    "adam", 1e-3, 0, 0.9, 5e-4, 0, 0.8, "plateau", 10, 0.1, 0, 0, 10, 0.1, true, "auto", 0, 0,
                    "metric");
            default -> new TrainConfig(features, preset, modulation, 1.3, 0.1, dir, coeff, 3, 16, 666,
                    "adamw", 1e-3, 6e-3, 0.9, 5e-4, 3e-3, 0.8, "plateau", 10, 0.1, 0, 0, 10, 0.1, true, "auto", 0, 0,
                    "metric");
        };
    }
}
