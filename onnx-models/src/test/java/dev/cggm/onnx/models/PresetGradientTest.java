package dev.cggm.onnx.models;

import dev.cggm.onnx.testing.ArchitectureGradients;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * End-to-end finite-difference check of every cggm-reference preset (dropout off, double
 * precision, the preset's real widths and sequence lengths). Gradients come from the training
 * graph exactly as the artifacts build it — the weighted sum of the task loss and the classifier
 * losses, differentiated together — and are compared with central differences of that sum.
 */
class PresetGradientTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny, 6, 1e-5", "food101, 1, 1e-4", "mosi, 1, 1e-4", "iemocap, 1, 1e-4"})
    void presetGradientsMatchFiniteDifferences(String preset, int samplesPerParameter, double rtol) throws Exception {
        // ReLU and L1 kinks: with hundreds of positions per sequence some pre-activation lies within
        // the finite-difference step, so the large presets get rtol 1e-4 (a wrong rule is off by O(1))
        ArchitectureGradients.check(Presets.get(preset), GraphExtension.NONE, 2, samplesPerParameter, rtol);
    }
}
