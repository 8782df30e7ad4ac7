package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cggm train} end to end on a real feature store (a small demo extraction): a run, its
 * errors, and a run killed with SIGKILL or stopped with SIGTERM mid-epoch and resumed, which must
 * end with exactly the weights of an uninterrupted run.
 */
class TrainEndToEndTest {
    @TempDir
    static Path shared;
    static Path store;

    @BeforeAll
    static void extractSmallDemoStore() throws Exception {
        Path data = DemoDataset.prepare(shared.resolve("demo"), new DemoDataset.Spec(96, 24, 24, 5));
        store = shared.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(),
                "--device", "cpu", "--batch-size", "16", "--max-length", "12", "--image-encoder", "vit-tiny-seeded"));
    }

    static List<String> trainArgs(Path out, String... extra) {
        return trainArgs(out, 8, extra);
    }

    static List<String> trainArgs(Path out, int epochs, String... extra) {
        return trainArgs(out, epochs, List.of("cggm"), extra);
    }

    /** {@code method}: the method's id and its own flags. */
    static List<String> trainArgs(Path out, int epochs, List<String> method, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--features", store.toString(), "--preset", "tiny",
                "--modulation", method.get(0)));
        a.addAll(method.subList(1, method.size()));
        a.addAll(List.of("--out", out.toString(), "--epochs", Integer.toString(epochs), "--batch-size", "8",
                "--threads", "2", "--device", "cpu", "--checkpoint-every", "5", "--quiet"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void trainsAndPrintsAJsonSummaryLast(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        var r = capture(() -> Main.run(trainArgs(out, 2, "--json").toArray(String[]::new)));
        assertEquals(0, r.code(), r.err());
        // --quiet --json: the summary is stdout's last line and nothing else is printed, not even the device line
        assertEquals("", r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("succeeded", summary.path("status").asText());
        assertTrue(summary.path("test").has("cls_acc/text") && summary.path("test").has("imbalance"), summary.toString());
        for (String f : new String[] {"inference_model.onnx", "training.png", "summary.json", "metrics/epochs.jsonl"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
    }

    @Test
    void errorsAreOneLine(@TempDir Path tmp) throws Exception {
        var missing = capture(() -> Main.run("train", "--features", tmp.resolve("nope").toString(), "--preset", "tiny",
                "--out", tmp.resolve("r").toString()));
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("not a feature store"), missing.err());
        assertFalse(missing.err().contains("\tat "), missing.err());

        Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(tmp.resolve("taken/x"), "x");
        var taken = capture(() -> Main.run(trainArgs(tmp.resolve("taken")).toArray(String[]::new)));
        assertEquals(1, taken.code());
        assertTrue(taken.err().contains("already exists"), taken.err());

        var badOption = capture(() -> Main.run(trainArgs(tmp.resolve("r2"), "--coefficients", "wild").toArray(String[]::new)));
        assertEquals(1, badOption.code());
        assertTrue(badOption.err().contains("WILD") || badOption.err().contains("wild"), badOption.err());
    }

    /**
     * Every method whose state outlives a step (CGGM's carried direction, AGM's running scores,
     * PMR's prototypes, MLA's alternation, UMT's teacher stage, MSLR's rates, IGM's stages and
     * covariances) resumes from its checkpoint to exactly the uninterrupted run.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cggm", "agm", "pmr", "mla", "umt --teacher-epochs 2", "mslr", "igm"})
    void runKilledWithSigkillAndResumedEndsWithTheSameWeights(String methodAndFlags, @TempDir Path tmp) throws Exception {
        List<String> method = List.of(methodAndFlags.split(" "));
        Path straight = tmp.resolve("straight");
        assertEquals(0, Main.run(trainArgs(straight, 8, method).toArray(String[]::new)));
        Path killed = tmp.resolve("killed");
        stopMidRun(killed, 8, method, "KILL", tmp.resolve("child.log"));
        assertEquals(0, Main.run("train", "--resume", killed.toString(), "--quiet"));

        Map<String, SafeTensors.Entry> a = new Trainer.Inspector(straight).latestParameters();
        Map<String, SafeTensors.Entry> b = new Trainer.Inspector(killed).latestParameters();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
        }
        assertEquals(withoutTimes(straight.resolve("metrics/steps.jsonl")), withoutTimes(killed.resolve("metrics/steps.jsonl")));
        assertEquals(withoutTimes(straight.resolve("metrics/epochs.jsonl")), withoutTimes(killed.resolve("metrics/epochs.jsonl")));
    }

    /**
     * SIGTERM stops the CLI at once without running the JVM's shutdown (ONNX Runtime's shutdown
     * hook would free its native environment under a running training step): exit 143, no JVM
     * crash, and the run resumes.
     */
    @Test
    void runStoppedWithSigtermExitsWithoutACrashAndResumes(@TempDir Path tmp) throws Exception {
        Path stopped = tmp.resolve("stopped");
        stopMidRun(stopped, 3, List.of("cggm"), "TERM", tmp.resolve("child.log"));
        assertEquals(0, Main.run("train", "--resume", stopped.toString(), "--quiet"));
        assertEquals(36, lines(stopped.resolve("metrics/steps.jsonl")));
    }

    /**
     * Runs {@code cggm train} for {@code epochs} epochs in a child JVM and sends it
     * {@code SIG<signal>} inside epoch 3, between checkpoints (they come every 5 steps; 12 steps per epoch).
     */
    private static void stopMidRun(Path out, int epochs, List<String> method, String signal, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-XX:ErrorFile=" + log.resolveSibling("hs_err_pid%p.log"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(trainArgs(out, epochs, method));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path steps = out.resolve("metrics/steps.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(steps) < 27 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(p.isAlive(), "the child finished (exit " + (p.isAlive() ? "-" : p.exitValue())
                + ") before it could be stopped: " + Files.readString(log));
        if (signal.equals("KILL")) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String output = Files.readString(log);
        assertEquals(signal.equals("KILL") ? 137 : 143, p.exitValue(), "stopped by SIG" + signal + ": " + output);
        try (var s = Files.list(log.getParent())) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList(),
                    "no JVM crash: " + output);
        }
        long seen = lines(steps);
        assertTrue(seen >= 27 && seen < 12L * epochs, "stopped at step " + seen);
    }

    static long lines(Path f) throws Exception {
        if (!Files.exists(f)) {
            return 0;
        }
        try (var s = Files.lines(f)) {
            return s.count();
        }
    }

    static List<String> withoutTimes(Path f) throws Exception {
        return Files.readAllLines(f).stream().map(l -> l.replaceAll("\"(time_ms|elapsed_s)\":[0-9.eE+-]+,?", "")).toList();
    }

    record Captured(int code, String out, String err) {
    }

    interface Call {
        int run() throws Exception;
    }

    static synchronized Captured capture(Call call) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = call.run();
            return new Captured(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
