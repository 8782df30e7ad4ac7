package dev.cggm.tests;

import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.PauseRunRequest;
import dev.cggm.api.v1.ResumeRunRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.server.CggmServer;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ResumeRun of a paused run whose run directory lost config.json, then checkpoints/, then
 * checkpoints/LATEST: the first two leave the run PAUSED with a reason naming what is missing
 * and every file in place (restored, the run resumes); without LATEST it resumes from its newest
 * checkpoint and completes — no file deleted, no step trained twice.
 */
class GrpcDamagedRunTest {
    @Test
    void resumingADamagedRunNeverDeletesItsDataAndSaysWhatIsMissing(@TempDir Path tmp) throws Exception {
        CggmServer server = GrpcFixtures.start(tmp);
        ManagedChannel channel = GrpcFixtures.channel(server.port());
        try {
            TrainingServiceGrpc.TrainingServiceBlockingStub stub = GrpcFixtures.training(channel);
            String id = GrpcFixtures.create(stub, GrpcFixtures.tiny(4).setSeed(4).setCheckpointEvery(2)).getRunId();
            GrpcFixtures.await("8 steps", () -> stub.getRun(GetRunRequest.newBuilder().setRunId(id).build())
                    .getProgress().getCompletedSteps() >= 8);
            stub.pauseRun(PauseRunRequest.newBuilder().setRunId(id).build());
            GrpcFixtures.awaitState(stub, id, JobState.JOB_STATE_PAUSED);
            Path run = tmp.resolve("data/runs").resolve(id).resolve("run");
            long pausedAt = lines(run.resolve("metrics/steps.jsonl"));

            Path config = run.resolve("config.json");
            Path saved = tmp.resolve("config.json.saved");
            Files.move(config, saved);
            assertStaysPausedNaming(stub, id, run, "has no config.json");
            Files.move(saved, config);

            Path checkpoints = run.resolve("checkpoints");
            Path aside = tmp.resolve("checkpoints.saved");
            Files.move(checkpoints, aside);
            assertStaysPausedNaming(stub, id, run, "checkpoints/ is missing");
            Files.move(aside, checkpoints);

            Files.delete(checkpoints.resolve("LATEST"));
            stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(id).build());
            Run done = GrpcFixtures.awaitState(stub, id, JobState.JOB_STATE_SUCCEEDED);
            assertEquals(24, done.getProgress().getCompletedSteps());
            List<Long> steps = Files.readAllLines(run.resolve("metrics/steps.jsonl")).stream()
                    .map(l -> Long.parseLong(l.replaceAll(".*\"step\":(\\d+).*", "$1"))).toList();
            assertEquals(Stream.iterate(0L, s -> s + 1).limit(24).toList(), steps, "every step once (paused after "
                    + pausedAt + ")");
            List<RunEvent> history = GrpcFixtures.watch(stub, id, 0);
            assertEquals(1, history.stream().filter(e -> e.hasStep() && e.getStep().getStep() == 0).count(),
                    "step 0 trained once");
        } finally {
            channel.shutdownNow();
            server.shutdown();
        }
    }

    /** ResumeRun ends PAUSED again with a reason containing {@code what}; no file of the run changed. */
    private static void assertStaysPausedNaming(TrainingServiceGrpc.TrainingServiceBlockingStub stub, String id,
                                                Path run, String what) throws Exception {
        Map<String, Long> before = files(run);
        assertEquals(JobState.JOB_STATE_QUEUED, stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(id).build())
                .getState());
        GrpcFixtures.awaitState(stub, id, JobState.JOB_STATE_PAUSED);
        Run r = stub.getRun(GetRunRequest.newBuilder().setRunId(id).build());
        assertTrue(r.getStateReason().contains("cannot continue") && r.getStateReason().contains(what),
                r.getStateReason());
        assertTrue(!r.getStateReason().contains(run.getParent().getParent().getParent().toString()),
                "no server path: " + r.getStateReason());
        assertEquals(before, files(run), "nothing in the run directory changed");
    }

    private static long lines(Path f) throws IOException {
        return Files.readAllLines(f).size();
    }

    private static Map<String, Long> files(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }
}
