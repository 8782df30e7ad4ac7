package dev.cggm.tests;

import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.TrainingServiceGrpc;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM — the documented clean stop — at any moment of a run's start: while it loads the
 * feature store, writes its artifacts, opens its ONNX Runtime sessions, restores a checkpoint or
 * trains. Each time the server process exits cleanly (exit 0, no JVM crash report, no ONNX
 * Runtime failure in its log) and at the next start the run is queued again and continues.
 *
 * <p>ONNX Runtime's Java binding releases its native environment in a JVM shutdown hook, and
 * shutdown hooks run concurrently: a graceful stop done in a shutdown hook raced it (a session
 * created meanwhile failed with "Attempt to use DefaultLogger but none has been registered" and
 * the run ended FAILED, or the JVM died with SIGSEGV).
 */
class GrpcShutdownTest {
    /** Delays after the run is RUNNING: the phases of its start (the run restarts at each server start). */
    private static final long[] DELAYS_MS = {0, 200, 600};

    @Test
    void sigtermWhileARunStartsLeavesItResumableAndTheJvmExitsCleanly(@TempDir Path tmp) throws Exception {
        Path data = GrpcFixtures.dataDir(tmp);
        Path token = GrpcFixtures.tokenFile(tmp);
        String runId = null;
        List<String> seen = new ArrayList<>();
        for (int i = 0; i <= DELAYS_MS.length; i++) {
            Path log = tmp.resolve("logs-" + i).resolve("server.log");
            Files.createDirectories(log.getParent());
            long t0 = System.nanoTime();
            ServerProcess server = ServerProcess.start(data, token, log);
            long t1 = System.nanoTime();
            ManagedChannel channel = GrpcFixtures.channel(server.port);
            try {
                TrainingServiceGrpc.TrainingServiceBlockingStub stub = GrpcFixtures.training(channel);
                if (runId == null) {
                    runId = GrpcFixtures.create(stub, GrpcFixtures.tiny(50).setBatchSize(1).setSeed(5)).getRunId();
                }
                Run r = stub.getRun(GetRunRequest.newBuilder().setRunId(runId).build());
                seen.add(r.getState() + " (" + r.getStateReason() + ")");
                assertTrue(Set.of(JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_RUNNING).contains(r.getState()),
                        "after " + i + " clean stops the run continues by itself, but it is " + r.getState() + ": "
                                + r.getStateReason() + "; states seen: " + seen);
                if (i == DELAYS_MS.length) {
                    break; // the last start only checks what the last stop left
                }
                GrpcFixtures.awaitState(stub, runId, JobState.JOB_STATE_RUNNING);
                Thread.sleep(DELAYS_MS[i]);
            } finally {
                channel.shutdownNow();
                long t2 = System.nanoTime();
                int exit = server.terminate();
                System.out.printf("start %d: up in %.1f s, SIGTERM after %.1f s, stopped in %.1f s%n", i,
                        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9);
                String out = Files.readString(log);
                String when = i < DELAYS_MS.length ? DELAYS_MS[i] + " ms after the run became RUNNING" : "at the end";
                assertEquals(0, exit, "exit code after SIGTERM " + when + ":\n" + out);
                assertEquals(List.of(), server.crashReports(), out);
                assertFalse(out.contains("ORT_FAIL") || out.contains("DefaultLogger"), out);
            }
        }
    }
}
