package dev.cggm.tests;

import dev.cggm.api.v1.CreateRunRequest;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.GetRunRequest;
import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.Run;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.api.v1.TrainingServiceGrpc;
import dev.cggm.api.v1.WatchRunRequest;
import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the gRPC tests share: one small real feature store (a demo dataset extracted once per test
 * JVM), data directories holding a copy of it, token files, servers on loopback, and
 * authenticated stubs.
 */
final class GrpcFixtures {
    static final String STORE = "features/small";
    static final String TOKEN = "test-token-0123456789abcdef";

    private static Path sharedStore;

    private GrpcFixtures() {
    }

    /** A demo store (48 / 16 / 16 samples, 12 tokens), extracted on first use and reused by every test. */
    static synchronized Path sharedStore() throws IOException {
        if (sharedStore == null) {
            Path root = Files.createTempDirectory("cggm-grpc-store");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
            Path data = DemoDataset.prepare(root.resolve("demo"), new DemoDataset.Spec(48, 16, 16, 21));
            Path store = root.resolve("store");
            assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out",
                    store.toString(), "--device", "cpu", "--batch-size", "16", "--max-length", "12",
                    "--image-encoder", "vit-tiny-seeded"));
            sharedStore = store;
        }
        return sharedStore;
    }

    /** A data directory with the shared store at {@value #STORE}. */
    static Path dataDir(Path tmp) throws IOException {
        Path data = tmp.resolve("data");
        copyTree(sharedStore(), data.resolve(STORE));
        return data;
    }

    static Path tokenFile(Path tmp) throws IOException {
        Path f = tmp.resolve("token");
        Files.writeString(f, TOKEN + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    static CggmServer start(Path tmp) throws IOException {
        return CggmServer.start(ServerConfig.defaults(0, dataDir(tmp), tokenFile(tmp)));
    }

    static ManagedChannel channel(int port) {
        return Grpc.newChannelBuilder("localhost:" + port, InsecureChannelCredentials.create()).build();
    }

    /** {@code channel} with the bearer token on every call. */
    static Channel authed(Channel channel, String token) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    }

    static TrainingServiceGrpc.TrainingServiceBlockingStub training(Channel channel) {
        return TrainingServiceGrpc.newBlockingStub(authed(channel, TOKEN));
    }

    static FeatureServiceGrpc.FeatureServiceBlockingStub features(Channel channel) {
        return FeatureServiceGrpc.newBlockingStub(authed(channel, TOKEN));
    }

    /** Options of a tiny run on the shared store (CPU, 2 threads, batch 8: 6 steps per epoch). */
    static TrainOptions.Builder tiny(int epochs) {
        return TrainOptions.newBuilder().setFeatures(STORE).setPreset("tiny").setEpochs(epochs).setBatchSize(8)
                .setDevice("cpu").setThreads(2);
    }

    static Run create(TrainingServiceGrpc.TrainingServiceBlockingStub stub, TrainOptions.Builder options) {
        return stub.createRun(CreateRunRequest.newBuilder().setOptions(options).build());
    }

    /** All events of a run from {@code after} until its stream ends (a terminal state). */
    static List<RunEvent> watch(TrainingServiceGrpc.TrainingServiceBlockingStub stub, String runId, long after) {
        List<RunEvent> events = new ArrayList<>();
        Iterator<RunEvent> it = stub.withDeadlineAfter(5, TimeUnit.MINUTES)
                .watchRun(WatchRunRequest.newBuilder().setRunId(runId).setAfterSequence(after).build());
        it.forEachRemaining(events::add);
        return events;
    }

    static Run awaitState(TrainingServiceGrpc.TrainingServiceBlockingStub stub, String runId, JobState want)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Run r;
        while ((r = stub.getRun(GetRunRequest.newBuilder().setRunId(runId).build())).getState() != want) {
            if (System.nanoTime() > deadline) {
                fail("run " + runId + " is " + r.getState() + " (" + r.getStateReason() + "), not " + want);
            }
            Thread.sleep(20);
        }
        return r;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory: best effort
        }
    }

    /** Step events of a history, without their durations (for comparing runs). */
    static List<String> stepsWithoutTimes(List<RunEvent> events) {
        return events.stream().filter(RunEvent::hasStep)
                .map(e -> e.getStep().toBuilder().clearDurationMs().build().toString()).toList();
    }
}
