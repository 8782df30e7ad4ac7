package dev.cggm.cli;

import dev.cggm.server.CggmServer;
import dev.cggm.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code cggm serve}: the gRPC server (TrainingService, FeatureService, health, reflection). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the gRPC API (cggm.v1 TrainingService and FeatureService, grpc.health.v1 health "
                + "checking, server reflection) until stopped with SIGTERM or Ctrl-C, which stops gracefully: running "
                + "trainings checkpoint and continue at the next start.",
                "Every call but health checks needs 'authorization: Bearer <token>' metadata with the token of "
                        + "--token-file. Runs, extractions and feature sets persist under --data-dir; paths in "
                        + "requests are relative to it."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT, paramLabel = "P",
            description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port, printed at start).")
    int port;

    @Option(names = "--host", defaultValue = ServerConfig.DEFAULT_HOST, paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all "
                    + "interfaces — use TLS then).")
    String host;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "Where runs, extractions and feature sets persist (created if missing).")
    Path dataDir;

    @Option(names = "--token-file", required = true, paramLabel = "FILE",
            description = "File holding the bearer token (one line, >= 16 characters, readable by its owner only: "
                    + "chmod 600).")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key, PKCS#8 PEM (with --tls-cert).")
    Path tlsKey;

    @Option(names = "--max-concurrent-runs", defaultValue = "1", paramLabel = "N",
            description = "Trainings executing at once; more wait QUEUED (default: ${DEFAULT-VALUE}).")
    int maxConcurrentRuns;

    @Option(names = "--max-concurrent-extractions", defaultValue = "1", paramLabel = "N",
            description = "Extractions executing at once (default: ${DEFAULT-VALUE}).")
    int maxConcurrentExtractions;

    @Option(names = "--max-queued", defaultValue = "" + ServerConfig.DEFAULT_MAX_QUEUED, paramLabel = "N",
            description = "Queued jobs of each kind before creations are refused with RESOURCE_EXHAUSTED "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--max-message-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, paramLabel = "N",
            description = "Largest request accepted; larger ones get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(names = "--shutdown-grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM, how long to wait for running jobs to checkpoint (default: ${DEFAULT-VALUE}).")
    long shutdownGrace;

    @Override
    public Integer call() throws Exception {
        ServerConfig cfg = new ServerConfig(host, port, dataDir, tokenFile, tlsCert, tlsKey, maxConcurrentRuns,
                maxConcurrentExtractions, maxQueued, maxMessageBytes, Duration.ofSeconds(shutdownGrace));
        CggmServer server = CggmServer.start(cfg);
        if (!StopSignals.onStop(server::shutdown)) {
            // signals are not ours to handle on this JVM: stop in a shutdown hook, racing ONNX
            // Runtime's own (see StopSignals), which is the best that is left
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "cggm-shutdown"));
        }
        if (!cfg.tls() && !InetAddress.getByName(host).isLoopbackAddress()) {
            System.err.println("warning: listening on " + host + " without TLS: bearer tokens cross the network in "
                    + "clear text; pass --tls-cert and --tls-key");
        }
        System.out.println("cggm server listening on " + host + ":" + server.port() + " (" + (cfg.tls() ? "TLS" : "plaintext")
                + "), data directory " + dataDir.toAbsolutePath().normalize());
        System.out.flush();
        if (!server.awaitTermination()) {
            // a job is still inside ONNX Runtime: exiting normally would run ONNX Runtime's shutdown
            // hook under it; stop as kill -9 would (every run resumes from its last checkpoint)
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }
        return 0;
    }
}
