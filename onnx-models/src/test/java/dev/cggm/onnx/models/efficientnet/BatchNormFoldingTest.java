package dev.cggm.onnx.models.efficientnet;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchNormFoldingTest {
    /** Two output channels of two weights each; s = γ/√(var+ε) by hand: 2/√4 = 1 and 3/√(9) = 1 (ε = 0). */
    @Test
    void foldsScaleIntoTheWeightAndShiftIntoTheBias() {
        float[] w = {1, 2, 3, 4};
        BatchNormFolding.Folded f = BatchNormFolding.fold(w, new float[] {0.5f, -1}, new float[] {2, 6},
                new float[] {0.25f, 1}, new float[] {1, 2}, new float[] {4, 9}, 0);
        // channel 0: s = 2/2 = 1 → w, bias = 0.25 + (0.5 − 1)·1; channel 1: s = 6/3 = 2 → 2w, bias = 1 + (−1 − 2)·2
        assertArrayEquals(new float[] {1, 2, 6, 8}, f.weight());
        assertArrayEquals(new float[] {-0.25f, -5}, f.bias());
        // a convolution without bias, with ε: s = 1/√(0 + 0.25) = 2
        f = BatchNormFolding.fold(new float[] {3}, null, new float[] {1}, new float[] {0}, new float[] {1},
                new float[] {0}, 0.25);
        assertArrayEquals(new float[] {6}, f.weight());
        assertArrayEquals(new float[] {-2}, f.bias());
        assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.fold(new float[3], null, new float[2],
                new float[2], new float[2], new float[2], 0));
    }

    /** Block lists of the port (efficientnet_lite_pytorch.utils with fix_head_stem): counts and scaled widths. */
    @Test
    void variantsHaveThePortsBlocks() {
        assertEquals(16, EfficientNetLiteConfig.lite0().blocks().size());
        assertEquals(21, EfficientNetLiteConfig.lite1().blocks().size());
        assertEquals(21, EfficientNetLiteConfig.lite2().blocks().size());
        List<Integer> lite2Widths = EfficientNetLiteConfig.lite2().blocks().stream()
                .map(EfficientNetLiteConfig.Block::out).distinct().toList();
        assertEquals(List.of(16, 24, 48, 88, 120, 208, 352), lite2Widths);
        assertEquals(7, EfficientNetLiteConfig.lite0().featureSize());
        assertEquals(8, EfficientNetLiteConfig.lite1().featureSize());
        assertEquals(9, EfficientNetLiteConfig.lite2().featureSize());
        EfficientNetLiteConfig.Block first = EfficientNetLiteConfig.lite0().blocks().get(0);
        assertEquals(32, first.in());
        assertEquals(1, first.expandRatio());
    }

    /** A state dict of another architecture or variant is refused naming the first tensor that does not fit. */
    @Test
    void aCheckpointThatDoesNotFitIsRefusedNamingTheTensor() {
        var cfg = EfficientNetLiteConfig.lite0();
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> EfficientNetLite.build(cfg, java.util.Map.of()));
        assertEquals("the checkpoint has no tensor '_conv_stem.weight' (is it an EfficientNet-Lite state dict of "
                + "this variant?)", none.getMessage());
        var wrong = java.util.Map.of("_conv_stem.weight", new dev.cggm.onnx.torch.TorchCheckpoint.Tensor(
                "_conv_stem.weight", new long[] {40, 3, 3, 3}, new float[40 * 27], "FloatStorage"));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> EfficientNetLite.build(cfg, wrong));
        assertTrue(shape.getMessage().contains("[40, 3, 3, 3]") && shape.getMessage().contains("[32, 3, 3, 3]"),
                shape.getMessage());
    }
}
