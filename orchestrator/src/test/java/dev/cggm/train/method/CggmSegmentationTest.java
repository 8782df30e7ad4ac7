package dev.cggm.train.method;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.MultimodalUNet;
import dev.cggm.onnx.models.MultimodalUNetConfig;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * CGGM on the multimodal U-Net with hand-made segmentation outputs: coefficients from each
 * auxiliary decoder's mean Dice, the direction term over the flattened 1×1 output convolutions,
 * the encoder groups scaled by default and nothing scaled with {@code encoder_scaling faithful}.
 */
class CggmSegmentationTest {
    static final int SIDE = 8;
    static final int PIXELS = SIDE * SIDE;
    static final List<String> MODS = MultimodalUNet.BRATS_MODALITIES;
    ParameterSet params;
    ModelRoles roles;
    MethodSetup setup;
    Map<String, float[]> gradsBefore = new LinkedHashMap<>();
    /** The batch's two label maps: sample 0 has a tumour (labels 1..3 in its left half), sample 1 none. */
    byte[] labels = new byte[2 * PIXELS];

    @BeforeEach
    void setUp(@TempDir Path tmp) throws Exception {
        List<Modality> mods = MODS.stream().map(m -> new Modality(m, SIDE, SIDE)).toList();
        MultimodalUNetConfig cfg = new MultimodalUNetConfig(mods, Tasks.SEGMENTATION, 4, List.of(2, 4), 1, 2, 0);
        ArtifactManifest m = TrainingArtifacts.write(tmp.resolve("a"), "tiny", cfg, 3, false);
        params = ParameterSet.create(m, SafeTensors.read(tmp.resolve("a").resolve(TrainingArtifacts.CHECKPOINT)));
        roles = new ModelRoles(m, params);
        setup = new MethodSetup(m.config(), 3);
        Random rng = new Random(4);
        for (ParameterSet.Param p : params.all()) {
            float[] g = new float[p.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rng.nextGaussian();
            }
            p.grad().put(0, g);
            gradsBefore.put(p.name(), g);
        }
        for (int p = 0; p < PIXELS; p++) {
            labels[p] = (byte) (p % SIDE < SIDE / 2 ? 1 + p % 3 : 0);
        }
    }

    /** Scores for the batch whose argmax is the label on the first {@code right} pixels of sample 0, background elsewhere. */
    static float[] scores(byte[] labels, int right) {
        float[] s = new float[2 * 4 * PIXELS];
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < PIXELS; p++) {
                int c = n == 0 && p < right ? labels[p] : 0;
                s[n * 4 * PIXELS + c * PIXELS + p] = 1;
            }
        }
        return s;
    }

    StepContext step(long t, int... right) {
        Map<String, float[]> outs = new LinkedHashMap<>();
        for (int k = 0; k < MODS.size(); k++) {
            outs.put(MODS.get(k), scores(labels, right[k]));
        }
        return new FixedStep(t, Tasks.SEGMENTATION, 4, outs, Targets.labelMaps(labels, SIDE, SIDE), params, roles);
    }

    Cggm cggm(CggmOptions.EncoderScaling scaling) {
        return new Cggm(new CggmOptions(1.0, 0.1, CggmOptions.Direction.WEIGHTS, CggmOptions.Coefficients.FAITHFUL,
                scaling), setup);
    }

    float[] grad(String name) {
        ParameterSet.Param p = params.get(name);
        float[] g = new float[p.size()];
        p.grad().get(0, g);
        return g;
    }

    float[] value(String name) {
        ParameterSet.Param p = params.get(name);
        float[] v = new float[p.size()];
        p.value().get(0, v);
        return v;
    }

    @Test
    void coefficientsComeFromEachDecodersMeanDiceAndScaleTheEncoders() {
        Cggm cggm = cggm(CggmOptions.EncoderScaling.ENCODERS);
        StepContext s = step(0, 64, 40, 16, 0);
        double[] dice = new double[4];
        for (int k = 0; k < 4; k++) {
            dice[k] = s.modalityAgreement(MODS.get(k));
            // per-sample mean over WT/TC/ET, averaged over the two samples (sample 1: nothing, nothing predicted -> 1)
            float[] one = scores(labels, new int[] {64, 40, 16, 0}[k]);
            assertEquals(Tasks.SEGMENTATION.agreement(one, 4, Targets.labelMaps(labels, SIDE, SIDE)), dice[k], 1e-12);
        }
        assertEquals(1.0, dice[0], 1e-12);
        StepReport r = cggm.apply(s);
        double sum = 1e-8;
        for (double d : dice) {
            sum += d;                       // previous accuracies start at 0
        }
        for (int k = 0; k < 4; k++) {
            double expected = (sum - dice[k]) / sum;
            assertEquals(expected, r.metrics().get("coeff/" + MODS.get(k)), 1e-9);
            for (ParameterSet.Param p : roles.encoder(MODS.get(k))) {
                float[] before = gradsBefore.get(p.name());
                float[] after = grad(p.name());
                for (int i = 0; i < before.length; i++) {
                    assertEquals(before[i] * expected, after[i], 1e-5 * Math.max(1, Math.abs(before[i])), p.name());
                }
            }
        }
        // the direction term compares the flattened 1x1 output convolutions
        float[] fused = value("decoder.out.weight");
        for (String m : MODS) {
            assertEquals(DirectionTerm.cosine(value("classifiers." + m + ".out.weight"), fused),
                    r.metrics().get("cos/" + m), 1e-12);
        }
    }

    @Test
    void faithfulScalingTouchesNoEncoderButTheDirectionTermActs() {
        Cggm cggm = cggm(CggmOptions.EncoderScaling.FAITHFUL);
        cggm.apply(step(0, 64, 40, 16, 0));
        StepReport r = cggm.apply(step(1, 56, 48, 8, 4));
        for (String m : MODS) {
            for (ParameterSet.Param p : roles.encoder(m)) {
                assertArrayEquals(gradsBefore.get(p.name()), grad(p.name()), p.name());
            }
            assertNotEquals(1.0, r.metrics().get("coeff/" + m));
        }
        // step 1 applies the term built at step 0 to the shared decoder's output convolution
        assertNotEquals(gradsBefore.get("decoder.out.weight")[0], grad("decoder.out.weight")[0]);
        org.junit.jupiter.api.Assertions.assertTrue(r.addedLoss() > 0, "λ·L_gm joins the loss");
    }
}
