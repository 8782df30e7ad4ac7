package dev.cggm.train;

import dev.cggm.train.run.DamagedRunException;
import dev.cggm.train.run.RunDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.cggm.train.DeterminismAndResumeTest.DATA;
import static dev.cggm.train.DeterminismAndResumeTest.assertSameParameters;
import static dev.cggm.train.DeterminismAndResumeTest.metrics;
import static dev.cggm.train.DeterminismAndResumeTest.threads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A paused run whose directory lost a part — checkpoints/LATEST, the newest checkpoint's files,
 * checkpoints/ itself, config.json — is resumed from the newest intact checkpoint (ending exactly
 * where an uninterrupted run ends), or refused with a message naming what is missing; nothing in
 * the directory is ever deleted to recover.
 */
class DamagedRunResumeTest {
    @TempDir
    static Path tmp;
    static Path straight;
    static Path paused;

    @BeforeAll
    static void trainAStraightAndAPausedRun() throws Exception {
        TrainConfig cfg = DeterminismAndResumeTest.config("none");
        straight = tmp.resolve("straight");
        DeterminismAndResumeTest.train(cfg, straight);
        TrainControl control = new TrainControl();
        TrainListener pauseInEpoch2 = PauseAt.step(control, stepsPerEpoch -> stepsPerEpoch + 2);
        paused = tmp.resolve("paused");
        try (Trainer t = Trainer.start(cfg, paused, DATA, threads(2), pauseInEpoch2, control)) {
            assertEquals("paused", t.run().status());
        }
        assertTrue(checkpoints(paused).size() >= 2, "the test needs two checkpoints: " + checkpoints(paused));
    }

    @Test
    void aLostLatestResumesFromTheNewestCheckpointAndEndsAsAnUninterruptedRun() throws Exception {
        Path run = copy(paused, "lost-latest");
        Files.delete(run.resolve("checkpoints/LATEST"));
        assertEquals(step(checkpoints(run).get(0)), resumeToTheEnd(run), "resumed at the newest checkpoint, not at 0");
        assertEndsLikeTheStraightRun(run);
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedAndKeptAside() throws Exception {
        Path run = copy(paused, "damaged-newest");
        List<Path> ckpts = checkpoints(run);
        Path newest = ckpts.get(0);
        truncate(newest.resolve("optimizer.safetensors"));
        Files.delete(run.resolve("checkpoints/LATEST"));
        assertEquals(step(newest) - 1, step(ckpts.get(1)), "the test pauses one step after a periodic checkpoint");
        // one step from the older checkpoint reaches the damaged one's step: pausing there writes
        // a checkpoint of that step, and the damaged one is kept aside rather than overwritten
        TrainControl control = new TrainControl();
        TrainListener pauseAtOnce = new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                assertEquals(step(ckpts.get(1)), record.step(), "resumed at the intact one");
                control.requestPause();
            }
        };
        try (Trainer t = Trainer.resume(run, DATA, threads(2), pauseAtOnce, control)) {
            assertEquals("paused", t.run().status());
        }
        assertTrue(Files.isDirectory(newest.resolveSibling(newest.getFileName() + ".damaged")),
                "the damaged checkpoint is kept aside, not deleted: " + list(run.resolve("checkpoints")));
        resumeToTheEnd(run);
        assertEndsLikeTheStraightRun(run);
    }

    /** A byte changed in place: the file still parses, only its recorded SHA-256 tells. */
    @Test
    void aChangedByteInTheNewestCheckpointIsCaughtByItsSumsAndTheOlderOneResumes() throws Exception {
        Path run = copy(paused, "flipped-byte");
        List<Path> ckpts = checkpoints(run);
        Path weights = ckpts.get(0).resolve("parameters.safetensors");
        byte[] b = Files.readAllBytes(weights);
        b[b.length - 1] ^= 0x10;                        // the last weight's low mantissa bits
        Files.write(weights, b);
        assertEquals(step(ckpts.get(1)), resumeToTheEnd(run), "resumed at the older, intact checkpoint");
        assertEndsLikeTheStraightRun(run);
    }

    @Test
    void checkpointsWithoutSumsFromEarlierVersionsStillResume() throws Exception {
        Path run = copy(paused, "no-sums");
        for (Path c : checkpoints(run)) {
            Files.delete(c.resolve("SHA256SUMS"));
        }
        assertEquals(step(checkpoints(run).get(0)), resumeToTheEnd(run), "resumed at the newest checkpoint");
        assertEndsLikeTheStraightRun(run);
    }

    @Test
    void lostCheckpointsAreRefusedNamingWhatIsMissingAndNothingIsDeleted() throws Exception {
        Path run = copy(paused, "lost-checkpoints");
        deleteTree(run.resolve("checkpoints"));
        Map<String, Long> before = files(run);
        DamagedRunException e = assertThrows(DamagedRunException.class, () -> resumeToTheEnd(run));
        assertTrue(e.getMessage().contains("checkpoints/ is missing") && e.getMessage().contains("metrics/steps.jsonl"),
                e.getMessage());
        assertEquals(before, files(run), "nothing changed");
    }

    @Test
    void everyCheckpointDamagedIsRefusedNamingEach() throws Exception {
        Path run = copy(paused, "all-damaged");
        for (Path c : checkpoints(run)) {
            truncate(c.resolve("parameters.safetensors"));
        }
        Map<String, Long> before = files(run);
        DamagedRunException e = assertThrows(DamagedRunException.class, () -> resumeToTheEnd(run));
        for (Path c : checkpoints(run)) {
            assertTrue(e.getMessage().contains(c.getFileName() + " is damaged"), e.getMessage());
        }
        assertEquals(before, files(run), "nothing changed");
    }

    @Test
    void aLostConfigIsRefusedNamingItAndNothingIsDeleted() throws Exception {
        Path run = copy(paused, "lost-config");
        Files.delete(run.resolve(RunDirectory.CONFIG));
        Map<String, Long> before = files(run);
        assertFalse(RunDirectory.unstarted(run));
        DamagedRunException e = assertThrows(DamagedRunException.class, () -> RunDirectory.open(run));
        assertTrue(e.getMessage().contains("has no config.json") && e.getMessage().contains("ckpt-"), e.getMessage());
        assertThrows(DamagedRunException.class, () -> RunDirectory.clearUnstarted(run));
        assertEquals(before, files(run), "nothing changed");
    }

    @Test
    void onlyAStartInterruptedBeforeItsFirstCheckpointCountsAsUnstarted() throws Exception {
        Path run = copy(paused, "unstarted");
        deleteTree(run.resolve("checkpoints"));
        deleteTree(run.resolve("best"));
        Files.delete(run.resolve("summary.json"));
        Files.writeString(run.resolve("metrics/steps.jsonl"), "");
        Files.writeString(run.resolve("metrics/epochs.jsonl"), "");
        assertTrue(RunDirectory.unstarted(run), "config and artifacts alone: " + files(run).keySet());
        RunDirectory.clearUnstarted(run);
        assertFalse(Files.exists(run));
    }

    /** Resumes a run to its end; returns the first step it trained (where it resumed). */
    private static long resumeToTheEnd(Path run) throws Exception {
        long[] first = {-1};
        TrainListener firstStep = new TrainListener() {
            @Override
            public void onStep(StepRecord record, long stepsPerEpoch) {
                if (first[0] < 0) {
                    first[0] = record.step();
                }
            }
        };
        try (Trainer t = Trainer.resume(run, DATA, threads(2), firstStep, new TrainControl())) {
            assertEquals("succeeded", t.run().status());
        }
        return first[0];
    }

    /** The step a checkpoint directory resumes at. */
    private static long step(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring("ckpt-".length()));
    }

    private static void assertEndsLikeTheStraightRun(Path run) throws Exception {
        assertSameParameters(new Trainer.Inspector(straight).latestParameters(), new Trainer.Inspector(run).latestParameters());
        assertEquals(metrics(straight.resolve("metrics/steps.jsonl")), metrics(run.resolve("metrics/steps.jsonl")),
                "every step once, as in the uninterrupted run");
        assertEquals(metrics(straight.resolve("metrics/epochs.jsonl")), metrics(run.resolve("metrics/epochs.jsonl")));
    }

    /** The ckpt-* directories, newest first. */
    private static List<Path> checkpoints(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.filter(p -> p.getFileName().toString().matches("ckpt-\\d+")).sorted(Comparator.reverseOrder())
                    .toList();
        }
    }

    private static void truncate(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
    }

    /** Every file under {@code root} with its size. */
    private static Map<String, Long> files(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path copy(Path from, String name) throws IOException {
        Path to = tmp.resolve(name);
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
