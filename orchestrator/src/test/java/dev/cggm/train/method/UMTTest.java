package dev.cggm.train.method;

import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.ArchitectureGradients;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UMT's stages as planned steps (loss weights and the teacher features fed per batch row), its
 * epoch split and refusals, and its distillation term's gradients by finite differences. The
 * switch itself, in a real run paused and resumed around it, is {@code UmtStageSwitchTest}.
 */
class UMTTest {
    @Test
    void theTeacherStageTrainsTheUnimodalLossesOnly(@TempDir Path tmp) throws Exception {
        TinyLateFusion model = model(tmp, 4);
        UMT umt = new UMT(new UMT.Options(0, 10), model.setup);
        assertEquals(2, umt.teacherEpochs(), "half of 4 epochs");
        StepPlan plan = umt.plan(model.step(0, 3, Map.of()).inEpoch(1));
        assertEquals(Map.of(ModelIO.LOSS, 0.0, "unimodal_loss/image", 1.0, "unimodal_loss/text", 1.0, UMT.DISTILL, 0.0),
                plan.passes().get(0).lossWeights());
        HostTensor fed = plan.inputs().get("umt/teacher/image");
        assertArrayEquals(new long[] {3, TinyLateFusion.WIDTH}, fed.shape());
        assertArrayEquals(new float[3 * TinyLateFusion.WIDTH], fed.floats());
        assertEquals(Map.of("stage", 0.0), umt.apply(model.step(0, 3, Map.of()).inEpoch(1)).metrics());
    }

    @Test
    void theStudentDistilsTheTeacherFeaturesOfItsBatchRows(@TempDir Path tmp) throws Exception {
        TinyLateFusion model = model(tmp, 3);
        UMT umt = new UMT(new UMT.Options(1, 10), model.setup);
        int d = TinyLateFusion.WIDTH;
        int rows = 5;
        // teacher features as a checkpoint holds them: row r of image is all r, of text all 10 + r
        float[] image = new float[rows * d];
        float[] text = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                image[r * d + j] = r;
                text[r * d + j] = 10 + r;
            }
        }
        umt.restore(Map.of("teacher/image", HostTensor.of(image, image.length), "teacher/text", HostTensor.of(text, text.length)));
        // a batch of training rows 4, 0, 2
        FixedStep step = model.step(8, 3, Map.of(UMT.DISTILL, new float[] {0.25f})).inEpoch(1).withRows(4, 0, 2);
        StepPlan plan = umt.plan(step);
        assertEquals(Map.of(ModelIO.LOSS, 1.0, "unimodal_loss/image", 0.0, "unimodal_loss/text", 0.0, UMT.DISTILL, 10.0),
                plan.passes().get(0).lossWeights());
        float[] fed = plan.inputs().get("umt/teacher/text").floats();
        int[] rowsFed = {4, 0, 2};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(10 + rowsFed[i], fed[i * d + j]);
            }
        }
        StepReport r = umt.apply(step);
        assertEquals(0.25, r.metrics().get("distill"), 1e-7);
        assertEquals(2.5, r.addedLoss(), 1e-6);
        // the state round-trips
        UMT copy = new UMT(new UMT.Options(1, 10), model.setup);
        copy.restore(umt.state());
        assertArrayEquals(image, copy.state().get("teacher/image").floats());
    }

    @Test
    void aStudentStepWithoutTeacherFeaturesIsAnError(@TempDir Path tmp) throws Exception {
        TinyLateFusion model = model(tmp, 2);
        UMT umt = new UMT(UMT.Options.defaults("tiny"), model.setup);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> umt.plan(model.step(4, 2, Map.of()).inEpoch(1)));
        assertTrue(e.getMessage().contains("teacher"), e.getMessage());
    }

    @Test
    void theRunNeedsEpochsForBothStages() {
        var cfg = TinyLateFusion.config(TinyLateFusion.TWO);
        InvalidOption one = assertThrows(InvalidOption.class, () -> new UMT(UMT.Options.defaults("tiny"), new MethodSetup(cfg, 1, 1)));
        assertEquals("method.teacher_epochs", one.field());
        assertTrue(one.getMessage().contains("only 1 epoch(s), it needs at least 2"), one.getMessage());
        assertThrows(InvalidOption.class, () -> new UMT(new UMT.Options(3, 10), new MethodSetup(cfg, 1, 3)));
        assertEquals(2, new UMT(new UMT.Options(2, 10), new MethodSetup(cfg, 1, 3)).teacherEpochs());
        assertEquals(1, new UMT(new UMT.Options(0, 10), new MethodSetup(cfg, 1, 3)).teacherEpochs());
        assertThrows(InvalidOption.class, () -> new UMT.Options(-1, 10));
        assertThrows(InvalidOption.class, () -> new UMT.Options(0, -1));
    }

    @ParameterizedTest(name = "{0} modalities")
    @ValueSource(ints = {2, 3})
    void theDistillationTermDifferentiatesCorrectly(int modalities) throws Exception {
        List<Modality> ms = modalities == 2 ? TinyLateFusion.TWO : TinyLateFusion.THREE;
        UMT umt = new UMT(UMT.Options.defaults("tiny"), new MethodSetup(TinyLateFusion.config(ms), 1, 2));
        ArchitectureGradients.check(TinyLateFusion.config(ms), umt.graph(), 3, 4, 1e-5);
    }

    private static TinyLateFusion model(Path tmp, int epochs) throws Exception {
        UMT graphOf = new UMT(UMT.Options.defaults("tiny"), new MethodSetup(TinyLateFusion.config(TinyLateFusion.TWO), 3, 2));
        return new TinyLateFusion(tmp.resolve("a"), TinyLateFusion.TWO, graphOf.graph(), epochs);
    }
}
