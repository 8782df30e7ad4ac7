package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.ListRunsRequest;
import dev.cggm.api.v1.ResumeRunRequest;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.StepMetrics;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchRunRequest;
import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A server process killed with SIGKILL in the middle of a training, started again on the same
 * data directory: the run is listed, PAUSED, with its history as the first server recorded it;
 * resumed, it completes; its history from sequence 0 is whole and in order, and its steps are
 * those of an uninterrupted run with the same options. And a graceful shutdown: running runs
 * checkpoint and continue by themselves at the next start.
 */
class GrpcRestartTest {
    @Test
    void aServerKilledMidRunRestartsAndTheRunResumesToCompletionWithItsHistoryIntact(@TempDir Path tmp) throws Exception {
        Path data = GrpcFixtures.dataDir(tmp);
        Path token = GrpcFixtures.tokenFile(tmp);
        TrainOptions.Builder options = GrpcFixtures.tiny(12).setSeed(9).setCheckpointEvery(4); // 72 steps

        String runId;
        List<RunEvent> seenBeforeKill = new ArrayList<>();
        ServerProcess first = ServerProcess.start(data, token, tmp.resolve("server-1.log"));
        try (Channel ch = new Channel(first.port)) {
            Run run = GrpcFixtures.create(ch.stub, options);
            runId = run.getRunId();
            Iterator<RunEvent> it = ch.stub.withDeadlineAfter(3, TimeUnit.MINUTES)
                    .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
            while (it.hasNext()) {
                seenBeforeKill.add(it.next());
                if (seenBeforeKill.stream().filter(RunEvent::hasStep).count() >= 15) {
                    break;
                }
            }
            first.kill();
        }
        assertEquals(137, first.process.exitValue(), "killed by SIGKILL");
        long stepsSeen = seenBeforeKill.stream().filter(RunEvent::hasStep).count();
        assertTrue(stepsSeen >= 15 && stepsSeen < 72, "killed mid-run, after " + stepsSeen + " steps");

        ServerProcess second = ServerProcess.start(data, token, tmp.resolve("server-2.log"));
        try (Channel ch = new Channel(second.port)) {
            var stub = ch.stub;
            Run paused = stub.getRun(GetRunRequest.newBuilder().setRunId(runId).build());
            assertEquals(JobState.JOB_STATE_PAUSED, paused.getState());
            assertTrue(paused.getStateReason().contains("restarted"), paused.getStateReason());
            assertTrue(stub.listRuns(ListRunsRequest.getDefaultInstance()).getRunsList().stream()
                    .anyMatch(r -> r.getRunId().equals(runId)));

            // the history as recorded before the kill, then the PAUSED of the restart
            List<RunEvent> recorded = readUntilPausedByRestart(stub, runId);
            assertEquals(seenBeforeKill, recorded.subList(0, seenBeforeKill.size()),
                    "every event a client saw before the kill is in the history, unchanged");

            assertEquals(JobState.JOB_STATE_QUEUED, stub.resumeRun(ResumeRunRequest.newBuilder().setRunId(runId).build())
                    .getState());
            List<RunEvent> history = GrpcFixtures.watch(stub, runId, 0);
            for (int i = 0; i < history.size(); i++) {
                assertEquals(i + 1, history.get(i).getSequence(), "sequences continue across the restart, no gaps");
            }
            assertEquals(recorded, history.subList(0, recorded.size()));
            assertEquals(List.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_PAUSED,
                            JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                    history.stream().filter(RunEvent::hasStateChange).map(e -> e.getStateChange().getState()).toList());

            // steps after the last checkpoint ran twice (before the kill, and after the resume): the
            // last report of each step is the run's, and equals what the trainer kept on disk
            Map<Long, StepMetrics> byStep = new TreeMap<>();
            history.stream().filter(RunEvent::hasStep).forEach(e -> byStep.put(e.getStep().getStep(), e.getStep()));
            assertEquals(72, byStep.size());
            List<String> lines = Files.readAllLines(data.resolve("runs").resolve(runId).resolve("run/metrics/steps.jsonl"));
            assertEquals(72, lines.size());
            ObjectMapper json = new ObjectMapper();
            for (String line : lines) {
                JsonNode r = json.readTree(line);
                assertEquals(r.get("loss").asDouble(), byStep.get(r.get("step").asLong()).getLoss(), line);
            }
            assertEquals(12, history.stream().filter(RunEvent::hasEpoch).map(e -> e.getEpoch().getEpoch()).distinct().count());

            // and the run is exactly an uninterrupted one
            Run straight = GrpcFixtures.create(stub, options);
            List<RunEvent> straightHistory = GrpcFixtures.watch(stub, straight.getRunId(), 0);
            List<String> straightSteps = GrpcFixtures.stepsWithoutTimes(straightHistory);
            List<String> resumedSteps = byStep.values().stream().map(s -> s.toBuilder().clearDurationMs().build()
                    .toString()).toList();
            assertEquals(straightSteps, resumedSteps);
            assertEquals(stub.getRun(GetRunRequest.newBuilder().setRunId(straight.getRunId()).build()).getResult().getTest(),
                    stub.getRun(GetRunRequest.newBuilder().setRunId(runId).build()).getResult().getTest());
            System.out.printf("restart test: killed after %d steps seen (%d events); history %d events, %d step reports "
                    + "for 72 steps%n", stepsSeen, seenBeforeKill.size(), history.size(),
                    history.stream().filter(RunEvent::hasStep).count());
        } finally {
            second.stop();
        }
    }

    @Test
    void aGracefulShutdownCheckpointsRunningRunsAndTheNextStartContinuesThem(@TempDir Path tmp) throws Exception {
        Path data = GrpcFixtures.dataDir(tmp);
        Path token = GrpcFixtures.tokenFile(tmp);
        CggmServer first = CggmServer.start(ServerConfig.defaults(0, data, token));
        String runId;
        try (Channel ch = new Channel(first.port())) {
            runId = GrpcFixtures.create(ch.stub, GrpcFixtures.tiny(30).setSeed(3)).getRunId();
            GrpcFixtures.await("5 steps", () -> ch.stub.getRun(GetRunRequest.newBuilder().setRunId(runId).build())
                    .getProgress().getCompletedSteps() >= 5);
        } finally {
            first.shutdown();
        }
        CggmServer second = CggmServer.start(ServerConfig.defaults(0, data, token));
        try (Channel ch = new Channel(second.port())) {
            List<RunEvent> history = GrpcFixtures.watch(ch.stub, runId, 0); // it continues on its own
            List<RunEvent> changes = history.stream().filter(RunEvent::hasStateChange).toList();
            assertEquals(List.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_QUEUED,
                    JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED), changes.stream()
                    .map(e -> e.getStateChange().getState()).toList());
            assertTrue(changes.get(2).getStateChange().getReason().contains("shut down"), changes.get(2).toString());
            List<Long> steps = history.stream().filter(RunEvent::hasStep).map(e -> e.getStep().getStep()).toList();
            assertEquals(30 * 6, steps.size(), "stopped at a step boundary with a checkpoint: no step trained twice");
            assertEquals(steps.stream().sorted().toList(), steps);
        } finally {
            second.shutdown();
        }
    }

    /** Events of a PAUSED run from the start through the state change the restart recorded (the stream stays open: cancel it). */
    private static List<RunEvent> readUntilPausedByRestart(TrainingServiceGrpc.TrainingServiceBlockingStub stub,
                                                           String runId) throws Exception {
        List<RunEvent> out = new ArrayList<>();
        Context.CancellableContext ctx = Context.current().withCancellation();
        try {
            ctx.call(() -> {
                Iterator<RunEvent> it = stub.withDeadlineAfter(1, TimeUnit.MINUTES)
                        .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
                while (it.hasNext()) {
                    RunEvent e = it.next();
                    out.add(e);
                    if (e.hasStateChange() && e.getStateChange().getState() == JobState.JOB_STATE_PAUSED) {
                        return null;
                    }
                }
                fail("the stream of a paused run ended");
                return null;
            });
        } finally {
            ctx.cancel(null);
        }
        return out;
    }

    /** A channel and an authenticated stub, closed together. */
    private static final class Channel implements AutoCloseable {
        final ManagedChannel channel;
        final TrainingServiceGrpc.TrainingServiceBlockingStub stub;

        Channel(int port) {
            channel = GrpcFixtures.channel(port);
            stub = GrpcFixtures.training(channel);
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }
}
