package dev.cggm.server;

import ai.onnxruntime.OrtEnvironment;
import dev.cggm.api.v1.FeatureServiceGrpc;
import dev.cggm.api.v1.TrainingServiceGrpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The cggm gRPC server: TrainingService and FeatureService over Netty (plaintext or TLS), with
 * {@code grpc.health.v1} health checking and server reflection ({@code grpc.reflection.v1} and
 * {@code v1alpha}), bearer-token authentication on
 * everything but health, and jobs persisted under the data directory.
 *
 * <p>At start it loads every run and extraction recorded in the data directory: a run that was
 * RUNNING when the previous process died becomes PAUSED (resumable from its checkpoint), an
 * extraction that was RUNNING is queued again (it resumes from its finished shards), QUEUED jobs
 * are scheduled in creation order. {@link #shutdown()} stops gracefully: running trainings
 * checkpoint at their next step boundary and are queued again for the next start.
 */
public final class CggmServer {
    private static final Logger LOG = LoggerFactory.getLogger(CggmServer.class);
    private static final int PREDICTION_THREADS = 2;

    private final ServerConfig config;
    private final Server server;
    private final HealthStatusManager health;
    private final JobRegistry<RunJob> runs;
    private final JobRegistry<ExtractionJob> extractions;
    private final JobExecutor runExecutor;
    private final JobExecutor extractionExecutor;
    private final ExecutorService streams;
    private final ExecutorService compute;
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private boolean stopped;
    private volatile boolean stoppedCleanly;

    private CggmServer(ServerConfig config, Server server, HealthStatusManager health, JobRegistry<RunJob> runs,
                       JobRegistry<ExtractionJob> extractions, JobExecutor runExecutor, JobExecutor extractionExecutor,
                       ExecutorService streams, ExecutorService compute) {
        this.config = config;
        this.server = server;
        this.health = health;
        this.runs = runs;
        this.extractions = extractions;
        this.runExecutor = runExecutor;
        this.extractionExecutor = extractionExecutor;
        this.streams = streams;
        this.compute = compute;
    }

    /** Starts a server; it listens when this returns. */
    public static CggmServer start(ServerConfig cfg) throws IOException {
        // ONNX Runtime's native initialisation needs a deep stack: do it here, on the caller's thread
        // (the CLI's 64 MB thread), before any job or request thread could be first to reach it
        OrtEnvironment.getEnvironment();
        BearerToken token = BearerToken.read(cfg.tokenFile());
        DataDirectory data = new DataDirectory(cfg.dataDir());
        JobExecutor runExecutor = new JobExecutor("cggm-run", cfg.maxConcurrentRuns());
        JobExecutor extractionExecutor = new JobExecutor("cggm-extract", cfg.maxConcurrentExtractions());
        JobRegistry<RunJob> runs = new JobRegistry<>("run");
        JobRegistry<ExtractionJob> extractions = new JobRegistry<>("extraction");
        List<RunJob> loadedRuns = load(data.runs(), dir -> RunJob.load(dir, data, runExecutor));
        List<ExtractionJob> loadedExtractions = load(data.extractions(),
                dir -> ExtractionJob.load(dir, data, extractionExecutor));
        loadedRuns.forEach(runs::add);
        loadedExtractions.forEach(extractions::add);

        ExecutorService streams = Executors.newCachedThreadPool(threads("cggm-stream", 0));
        ExecutorService compute = Executors.newFixedThreadPool(PREDICTION_THREADS,
                threads("cggm-predict", JobExecutor.STACK_BYTES));
        HealthStatusManager health = new HealthStatusManager();
        NettyServerBuilder builder;
        try {
            ServerCredentials credentials = cfg.tls()
                    ? TlsServerCredentials.create(cfg.tlsCert().toFile(), cfg.tlsKey().toFile())
                    : InsecureServerCredentials.create();
            builder = NettyServerBuilder.forAddress(new InetSocketAddress(cfg.host(), cfg.port()), credentials);
        } catch (IOException | RuntimeException e) {
            throw new IOException((cfg.tls() ? "cannot use --tls-cert " + cfg.tlsCert() + " and --tls-key " + cfg.tlsKey()
                    + " (PEM certificate chain and PKCS#8 PEM key): " : "cannot listen on " + cfg.host() + ":" + cfg.port()
                    + ": ") + e.getMessage(), e);
        }
        Server server = builder
                .maxInboundMessageSize(cfg.maxMessageBytes())
                .intercept(new AuthInterceptor(token))
                .addService(new TrainingApi(data, runs, runExecutor, cfg.maxQueued(), streams, compute))
                .addService(new FeatureApi(data, extractions, extractionExecutor, cfg.maxQueued(), streams))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(reflectionV1Alpha())
                .addService(health.getHealthService())
                .build();
        CggmServer s = new CggmServer(cfg, server, health, runs, extractions, runExecutor, extractionExecutor, streams,
                compute);
        for (ExtractionJob j : loadedExtractions) {
            recover(j.id(), j::recover);
        }
        for (RunJob j : loadedRuns) {
            recover(j.id(), j::recover);
        }
        try {
            server.start();
        } catch (IOException e) {
            s.stopExecutors();
            throw new IOException("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + e.getMessage(), e);
        }
        runExecutor.start();
        extractionExecutor.start();
        for (String service : List.of("", TrainingServiceGrpc.SERVICE_NAME, FeatureServiceGrpc.SERVICE_NAME)) {
            health.setStatus(service, ServingStatus.SERVING);
        }
        LOG.info("{} runs and {} extractions in {}", loadedRuns.size(), loadedExtractions.size(), data.root());
        return s;
    }

    /**
     * Server reflection as {@code grpc.reflection.v1alpha}, beside v1: many clients (Python's
     * grpcio-reflection, older grpcurl, Postman) speak only v1alpha. grpc-java deprecates the
     * class in favour of v1; serving both is what it recommends while clients move.
     */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService reflectionV1Alpha() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    private interface Loader<J> {
        J load(Path dir) throws IOException;
    }

    private interface Recovery {
        void run() throws IOException;
    }

    /** Every job recorded under {@code root}, in creation order; unreadable ones are skipped with a log line. */
    private static <J extends Job<?>> List<J> load(Path root, Loader<J> loader) throws IOException {
        List<J> jobs = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (!Files.isRegularFile(dir.resolve(Job.RECORD))) {
                    LOG.warn("skipping {}: no {} (a creation interrupted by a crash)", dir, Job.RECORD);
                    continue;
                }
                try {
                    jobs.add(loader.load(dir));
                } catch (IOException | RuntimeException e) {
                    LOG.error("skipping {}: cannot read it: {}", dir, e.getMessage());
                }
            }
        }
        jobs.sort(Comparator.comparingLong((J j) -> j.createTime().getSeconds())
                .thenComparingInt(j -> j.createTime().getNanos()).thenComparing(Job::id));
        return jobs;
    }

    private static void recover(String id, Recovery r) {
        try {
            r.run();
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot recover job {}: {}", id, e.getMessage());
        }
    }

    private static ThreadFactory threads(String name, long stack) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(null, r, name + "-" + n.incrementAndGet(), stack);
            t.setDaemon(true);
            return t;
        };
    }

    /** The port the server listens on (the chosen one when configured with port 0). */
    public int port() {
        return server.getPort();
    }

    public ServerConfig config() {
        return config;
    }

    /** Clients watching a run right now (a diagnostic: streams a server still serves). */
    public int watchers(String runId) {
        return runs.get("run_id", runId).watchers();
    }

    /**
     * Graceful stop: health turns NOT_SERVING, no new calls or jobs are accepted, running
     * trainings checkpoint at their next step boundary and running extractions stop after the
     * sample in flight — both are queued again for the next start — and predictions in progress
     * end, for at most the configured grace period; then open streams are closed. When this
     * returns with {@code true}, nothing of the server uses ONNX Runtime any more.
     *
     * <p>Call it before the JVM's shutdown starts, not from a shutdown hook: ONNX Runtime releases
     * its native environment in a shutdown hook of its own, which would run concurrently with the
     * jobs this waits for (see {@code dev.cggm.cli.StopSignals}).
     *
     * @return whether every job and prediction stopped within the grace period
     */
    public synchronized boolean shutdown() {
        if (stopped) {
            return stoppedCleanly;
        }
        stopped = true;
        LOG.info("shutting down: running jobs checkpoint and are queued again for the next start");
        boolean idle = false;
        try {
            health.enterTerminalState();
            runExecutor.stop();
            extractionExecutor.stop();
            runs.all().forEach(RunJob::stopForShutdown);
            extractions.all().forEach(ExtractionJob::stopForShutdown);
            server.shutdown();
            long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
            idle = runExecutor.awaitIdle(config.shutdownGrace())
                    & extractionExecutor.awaitIdle(left(deadline));
            server.shutdownNow(); // closes open streams: predictions whose caller is gone stop at their next batch
            compute.shutdown();
            idle &= compute.awaitTermination(left(deadline).toMillis(), TimeUnit.MILLISECONDS);
            if (!idle) {
                LOG.warn("jobs still running after {} s; they will be PAUSED (runs) or queued again (extractions) at "
                        + "the next start", config.shutdownGrace().toSeconds());
            }
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
            idle = false;
        } finally {
            stopExecutors();
            stoppedCleanly = idle;
            stoppedLatch.countDown();
        }
        return idle;
    }

    private static Duration left(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    private void stopExecutors() {
        streams.shutdownNow();
        compute.shutdownNow();
    }

    /**
     * Blocks until {@link #shutdown()} has finished (called from another thread); returns what it
     * returned: whether every job stopped within the grace period.
     */
    public boolean awaitTermination() throws InterruptedException {
        stoppedLatch.await();
        return stoppedCleanly;
    }
}
