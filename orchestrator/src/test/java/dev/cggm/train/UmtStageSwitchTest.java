package dev.cggm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.data.ModalityShape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UMT in real runs around its teacher → student switch (3 epochs of 4 steps, teachers for 1):
 * the teachers' features it caches are the eval model's features with the teacher-stage
 * parameters, the student's first step starts from the run's initial parameters, the best model
 * is a student; and runs paused on the last teacher step, on the first student step, or resumed
 * from the checkpoint written just before the switch (as after a SIGKILL there) end exactly as
 * an uninterrupted run.
 */
class UmtStageSwitchTest {
    static final InMemoryFeatureData DATA = SyntheticFeatures.classification(3, 64, 24, 24, 9);
    static final int STEPS_PER_EPOCH = 4;
    static final int SWITCH = STEPS_PER_EPOCH;   // the first student step
    static final long SEED = 5;
    static final ObjectMapper JSON = new ObjectMapper();
    static Path straight;

    static TrainConfig config() {
        return TrainConfigs.resolve("tiny", "in-memory", "umt", Map.of("loop.epochs", 3, "loop.batch_size", 16,
                "loop.seed", SEED, "loop.dropout", false, "loop.checkpoint_every", 100, "method.teacher_epochs", 1,
                "runtime.device", "cpu", "runtime.threads", 1));
    }

    @BeforeAll
    static void trainStraight(@TempDir Path tmp) throws Exception {
        straight = tmp.resolve("straight");
        try (Trainer t = Trainer.start(config(), straight, DATA, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            TrainResult r = t.run();
            assertEquals("succeeded", r.status(), String.valueOf(r.error()));
            assertTrue(r.bestEpoch() >= 2, "the best model is a student's, not the teachers' (epoch " + r.bestEpoch() + ")");
        }
        List<String> steps = Files.readAllLines(straight.resolve("metrics/steps.jsonl"));
        assertTrue(steps.get(SWITCH - 1).contains("\"stage\":0.0"), steps.get(SWITCH - 1));
        assertTrue(steps.get(SWITCH).contains("\"stage\":1.0") && steps.get(SWITCH).contains("\"distill\""), steps.get(SWITCH));
    }

    /** Starts a run that pauses after the step of index {@code pauseAfter}. */
    static Path paused(Path dir, long pauseAfter) throws Exception {
        TrainControl control = new TrainControl();
        TrainListener pause = PauseAt.step(control, stepsPerEpoch -> pauseAfter);
        try (Trainer t = Trainer.start(config(), dir, DATA, TrainerSmokeTest.cpu(), pause, control)) {
            assertEquals("paused", t.run().status());
        }
        return dir;
    }

    static void resumeAndCompare(Path dir) throws Exception {
        try (Trainer t = Trainer.resume(dir, DATA, TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        DeterminismAndResumeTest.assertSameParameters(new Trainer.Inspector(straight).latestParameters(),
                new Trainer.Inspector(dir).latestParameters());
        assertEquals(DeterminismAndResumeTest.metrics(straight.resolve("metrics/steps.jsonl")),
                DeterminismAndResumeTest.metrics(dir.resolve("metrics/steps.jsonl")));
        assertEquals(DeterminismAndResumeTest.metrics(straight.resolve("metrics/epochs.jsonl")),
                DeterminismAndResumeTest.metrics(dir.resolve("metrics/epochs.jsonl")));
        JsonNode a = JSON.readTree(straight.resolve("summary.json").toFile());
        JsonNode b = JSON.readTree(dir.resolve("summary.json").toFile());
        for (String field : List.of("best_epoch", "validation", "test")) {
            assertEquals(a.get(field), b.get(field), field);
        }
    }

    @Test
    void aRunTooShortForBothStagesIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) {
        TrainConfig one = TrainConfigs.apply(config(), Map.of("loop.epochs", 1));
        InvalidOption e = assertThrows(InvalidOption.class, () -> Trainer.start(one, tmp.resolve("run"), DATA,
                TrainerSmokeTest.cpu(), TrainListener.NONE, new TrainControl()));
        assertEquals("method.teacher_epochs", e.field());
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    static Path checkpoint(Path run, long step) {
        return run.resolve("checkpoints").resolve(String.format("ckpt-%08d", step));
    }

    @Test
    void pausedOnTheLastTeacherStepItResumesExactly(@TempDir Path tmp) throws Exception {
        resumeAndCompare(paused(tmp.resolve("run"), SWITCH - 1));
    }

    @Test
    void pausedOnTheFirstStudentStepItResumesExactly(@TempDir Path tmp) throws Exception {
        resumeAndCompare(paused(tmp.resolve("run"), SWITCH));
    }

    @Test
    void resumedFromTheCheckpointBeforeTheSwitchItSwitchesAgainExactly(@TempDir Path tmp) throws Exception {
        Path run = paused(tmp.resolve("run"), SWITCH);
        // as if killed right after the teachers' epoch-end checkpoint: the newest state is that one
        assertTrue(Files.isDirectory(checkpoint(run, SWITCH)));
        Files.writeString(run.resolve("checkpoints/LATEST"), checkpoint(run, SWITCH).getFileName().toString());
        resumeAndCompare(run);
    }

    @Test
    void theTeachersFeaturesAreCachedAndTheStudentStartsFromTheInitialParameters(@TempDir Path tmp) throws Exception {
        Path run = paused(tmp.resolve("run"), SWITCH);
        // the teachers: the parameters at the end of the teacher epoch; their features over the train split
        Map<String, HostTensor> teacherParams = tensors(SafeTensors.read(checkpoint(run, SWITCH).resolve("parameters.safetensors")));
        Map<String, HostTensor> cached = SafeTensors.readTensors(checkpoint(run, SWITCH + 1).resolve("modulation.safetensors"));
        FeatureSplit train = DATA.train();
        Map<String, HostTensor> features = evaluate(run, train, allRows(train.size()), teacherParams);
        for (ModalityShape m : DATA.modalities()) {
            float[] expected = features.get(ModelIO.embedding(m.name())).floats();
            float[] got = cached.get("teacher/" + m.name()).floats();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5, m.name() + "[" + i + "]");
            }
        }
        // the student's first step: its loss (before its update, no dropout) is the initial model's on that batch
        int[] rows = Arrays.copyOf(Trainer.dataOrder(SEED, 1, train.size()), 16);
        Map<String, HostTensor> initial = tensors(SafeTensors.read(run.resolve("artifacts/checkpoint.safetensors")));
        double expectedLoss = evaluate(run, train, rows, initial).get(ModelIO.LOSS).item();
        String first = Files.readAllLines(run.resolve("metrics/steps.jsonl")).get(SWITCH);
        double loss = JSON.readTree(first).get("loss").asDouble();
        assertEquals(expectedLoss, loss, 1e-5, first);
    }

    private static int[] allRows(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    private static Map<String, HostTensor> tensors(Map<String, SafeTensors.Entry> values) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, HostTensor.of(v.data(), v.shape())));
        return out;
    }

    /** Every output of the run's eval model on some rows of a split, with the given parameters. */
    private static Map<String, HostTensor> evaluate(Path run, FeatureSplit split, int[] rows, Map<String, HostTensor> params)
            throws Exception {
        Map<String, HostTensor> in = new LinkedHashMap<>(params);
        for (ModalityShape m : split.modalities()) {
            FloatBuffer buf = FloatBuffer.allocate(rows.length * m.valuesPerSample());
            split.gather(m.name(), rows, buf);
            in.put(m.name(), HostTensor.of(buf.array(), rows.length, m.seqLen(), m.dim()));
        }
        long[] labels = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = split.targets().label(rows[i]);
        }
        in.put(ModelIO.LABEL, HostTensor.of(labels, rows.length));
        try (OrtModel m = OrtModel.load(Files.readAllBytes(run.resolve("artifacts/eval_model.onnx")))) {
            return m.run(in);
        }
    }
}
