package dev.cggm.train.method;

import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.ArchitectureGradients;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.config.InvalidOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MMCosine's head: each modality's logits against s·cos(h_m, w_c) computed by hand from the eval
 * model's features and the head's weights, the output as their sum and its loss, the gradients
 * by finite differences, and a plan that leaves the replaced concat head alone.
 */
class MMCosineTest {
    @Test
    void logitsAreScaledCosinesOfFeaturesAndHeadSlicesSummed(@TempDir Path tmp) throws Exception {
        MMCosine method = new MMCosine(new MMCosine.Options(15), setup(TinyLateFusion.THREE));
        GraphExtension withFeatures = g -> {
            method.graph().extend(g);
            if (g.variant() == ModelGraph.Variant.EVAL) {
                g.modalities().forEach(m -> g.addOutput(g.embedding(m), TinyLateFusion.embedding(m)));
            }
        };
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("a"), TinyLateFusion.THREE, withFeatures, 1);
        int batch = 4;
        int c = TinyLateFusion.CLASSES;
        int d = TinyLateFusion.WIDTH;
        int width = 3 * d;
        Map<String, HostTensor> in = model.inputs(batch, 9);
        Map<String, HostTensor> out = model.evaluate(in);
        float[] w = model.value(MMCosine.HEAD_WEIGHT);
        assertEquals(c * width, w.length);
        double[] sum = new double[batch * c];
        for (int k = 0; k < 3; k++) {
            String m = model.modalities().get(k);
            float[] h = out.get(TinyLateFusion.embedding(m)).floats();
            double[] expected = new double[batch * c];
            for (int i = 0; i < batch; i++) {
                for (int j = 0; j < c; j++) {
                    double dot = 0;
                    double hh = 0;
                    double ww = 0;
                    for (int e = 0; e < d; e++) {
                        double x = h[i * d + e];
                        double y = w[j * width + k * d + e];
                        dot += x * y;
                        hh += x * x;
                        ww += y * y;
                    }
                    expected[i * c + j] = 15 * dot / Math.sqrt(hh * ww);
                    sum[i * c + j] += expected[i * c + j];
                }
            }
            double[] got = out.get(ModelIO.unimodalOutput(m)).toDoubles();
            assertArrayEquals(expected, got, 1e-4, m);
            for (double v : got) {
                assertTrue(Math.abs(v) <= 15 + 1e-4, "a cosine logit is within ±s");
            }
        }
        assertArrayEquals(sum, out.get(ModelIO.OUTPUT).toDoubles(), 1e-4);
        // the loss is the cross-entropy of the summed logits
        long[] labels = in.get(ModelIO.LABEL).longs();
        double ce = 0;
        for (int i = 0; i < batch; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, sum[i * c + j]);
            }
            double z = 0;
            for (int j = 0; j < c; j++) {
                z += Math.exp(sum[i * c + j] - max);
            }
            ce += Math.log(z) + max - sum[i * c + (int) labels[i]];
        }
        assertEquals(ce / batch, out.get(ModelIO.LOSS).item(), 1e-4);
    }

    @ParameterizedTest(name = "{0} modalities")
    @ValueSource(ints = {2, 3})
    void theCosineHeadDifferentiatesCorrectly(int modalities) throws Exception {
        List<Modality> ms = modalities == 2 ? TinyLateFusion.TWO : TinyLateFusion.THREE;
        MMCosine method = new MMCosine(MMCosine.Options.defaults("tiny"), setup(ms));
        ArchitectureGradients.check(TinyLateFusion.config(ms), method.graph(), 3, 4, 1e-5);
    }

    @Test
    void theConcatHeadItReplacesIsReachedByNoLoss(@TempDir Path tmp) throws Exception {
        MMCosine method = new MMCosine(MMCosine.Options.defaults("tiny"), setup(TinyLateFusion.TWO));
        TinyLateFusion model = new TinyLateFusion(tmp.resolve("a"), TinyLateFusion.TWO, method.graph(), 1);
        assertFalse(model.params.get("out_layer.weight").reached());
        assertFalse(model.params.get("out_layer.bias").reached());
        assertTrue(model.params.get(MMCosine.HEAD_WEIGHT).reached());
        assertTrue(model.roles.encoder("image").stream().allMatch(ParameterSet.Param::reached));
    }

    @Test
    void optionsAndTaskAreValidated() {
        assertThrows(InvalidOption.class, () -> new MMCosine.Options(0));
        var regression = new dev.cggm.onnx.models.LateFusionConfig(TinyLateFusion.TWO, dev.cggm.onnx.tasks.Tasks.REGRESSION,
                1, 8, 2, 1, 0.1);
        InvalidOption e = assertThrows(InvalidOption.class,
                () -> new MMCosine(MMCosine.Options.defaults("tiny"), new MethodSetup(regression, 1, 2)));
        assertTrue(e.getMessage().contains("classification"), e.getMessage());
    }

    private static MethodSetup setup(List<Modality> ms) {
        return new MethodSetup(TinyLateFusion.config(ms), 3, 1);
    }
}
