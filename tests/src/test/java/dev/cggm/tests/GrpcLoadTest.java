package dev.cggm.tests;

import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchRunRequest;
import dev.cggm.server.CggmServer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load on loopback: 20 CreateRun calls at once (real tiny trainings, queued behind the one
 * training slot) and 50 concurrent WatchRun streams over them — some from the start, some that
 * drop their stream part-way and reconnect after the last sequence they saw, some that join late.
 * No call may fail, and every watcher must see every event of its run, in order: its events are
 * compared one by one with the run's full history.
 */
class GrpcLoadTest {
    static final int RUNS = 20;
    static final int WATCHERS = 50;

    @Test
    void fiftyWatchersAndTwentyConcurrentCreationsSeeEveryEventInOrderWithoutErrors(@TempDir Path tmp) throws Exception {
        CggmServer server = GrpcFixtures.start(tmp);
        ManagedChannel channel = GrpcFixtures.channel(server.port());
        ExecutorService pool = Executors.newFixedThreadPool(RUNS + WATCHERS);
        AtomicLong calls = new AtomicLong();
        AtomicLong events = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try {
            TrainingServiceGrpc.TrainingServiceBlockingStub stub = GrpcFixtures.training(channel);
            long t0 = System.nanoTime();

            CountDownLatch go = new CountDownLatch(1);
            List<Future<Run>> creations = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                creations.add(pool.submit(() -> {
                    go.await();
                    calls.incrementAndGet();
                    return GrpcFixtures.create(stub, GrpcFixtures.tiny(3).setSeed(1));
                }));
            }
            go.countDown();
            List<String> ids = new ArrayList<>();
            for (Future<Run> f : creations) {
                Run r = f.get(2, TimeUnit.MINUTES);
                assertEquals(JobState.JOB_STATE_QUEUED, r.getState());
                ids.add(r.getRunId());
            }
            assertEquals(RUNS, ids.stream().distinct().count());
            double createSeconds = (System.nanoTime() - t0) / 1e9;

            List<Future<List<RunEvent>>> watchers = new ArrayList<>();
            for (int w = 0; w < WATCHERS; w++) {
                String id = ids.get(w % RUNS);
                int kind = w / RUNS; // 0: from the start; 1: drops its stream and reconnects; 2: joins late
                long lateBy = 500L + 300L * (w % 10);
                watchers.add(pool.submit(() -> {
                    try {
                        if (kind == 2) {
                            Thread.sleep(lateBy);
                        }
                        List<RunEvent> seen = new ArrayList<>();
                        if (kind == 1) {
                            seen.addAll(readSome(stub, id, 0, 3, calls));
                        }
                        long after = seen.isEmpty() ? 0 : seen.get(seen.size() - 1).getSequence();
                        calls.incrementAndGet();
                        seen.addAll(GrpcFixtures.watch(stub, id, after));
                        events.addAndGet(seen.size());
                        return seen;
                    } catch (Throwable e) {
                        errors.add(e);
                        throw e;
                    }
                }));
            }
            List<List<RunEvent>> seen = new ArrayList<>();
            for (Future<List<RunEvent>> f : watchers) {
                seen.add(f.get(10, TimeUnit.MINUTES));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;

            // every watcher saw exactly its run's history
            int checked = 0;
            for (int r = 0; r < RUNS; r++) {
                calls.incrementAndGet();
                List<RunEvent> history = GrpcFixtures.watch(stub, ids.get(r), 0);
                for (int i = 0; i < history.size(); i++) {
                    assertEquals(i + 1, history.get(i).getSequence());
                }
                assertEquals(JobState.JOB_STATE_SUCCEEDED, history.get(history.size() - 1).getStateChange().getState());
                for (int w = r; w < WATCHERS; w += RUNS) {
                    assertEquals(history, seen.get(w), "watcher " + w + " of run " + ids.get(r));
                    checked++;
                }
            }
            assertEquals(WATCHERS, checked);
            assertTrue(errors.isEmpty(), "errors: " + errors);
            String figures = String.format(Locale.ROOT, "gRPC load test: %d CreateRun at once (all created in %.2f s) "
                            + "and %d WatchRun streams (%d reconnecting, %d joining late); %d calls, %d events delivered "
                            + "to watchers, %d errors, %.1f s wall time (%d tiny trainings, one at a time)",
                    RUNS, createSeconds, WATCHERS, RUNS, WATCHERS - 2 * RUNS, calls.get(), events.get(), errors.size(),
                    seconds, RUNS);
            System.out.println(figures);
            Files.writeString(Path.of("target", "grpc-load-test.txt"), figures + "\n");
        } finally {
            pool.shutdownNow();
            channel.shutdownNow();
            server.shutdown();
        }
    }

    /** The first {@code n} events of a run after {@code after}, then the stream is cancelled by the client. */
    static List<RunEvent> readSome(TrainingServiceGrpc.TrainingServiceBlockingStub stub, String id, long after, int n,
                                   AtomicLong calls) throws Exception {
        List<RunEvent> out = new ArrayList<>();
        Context.CancellableContext ctx = Context.current().withCancellation();
        try {
            calls.incrementAndGet();
            ctx.call(() -> {
                Iterator<RunEvent> it = stub.withDeadlineAfter(5, TimeUnit.MINUTES).watchRun(WatchRunRequest.newBuilder()
                        .setRunId(id).setAfterSequence(after).build());
                while (out.size() < n && it.hasNext()) {
                    out.add(it.next());
                }
                return null;
            });
        } finally {
            ctx.cancel(null);
        }
        return out;
    }
}
