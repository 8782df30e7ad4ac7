package dev.cggm.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a server runs ({@code ./cggm serve} options).
 *
 * @param host                     address to listen on (default loopback)
 * @param port                     TCP port; 0 picks a free one ({@link CggmServer#port()} tells which)
 * @param dataDir                  where everything persists: runs, extractions, feature sets, and the
 *                                 root of every path a client passes
 * @param tokenFile                file holding the bearer token clients must present
 * @param tlsCert                  PEM certificate chain (null: plaintext)
 * @param tlsKey                   PEM private key, PKCS#8 (null: plaintext)
 * @param maxConcurrentRuns        trainings executing at once; more wait QUEUED
 * @param maxConcurrentExtractions extractions executing at once
 * @param maxQueued                queued jobs of each kind before creations are refused (RESOURCE_EXHAUSTED)
 * @param maxMessageBytes          largest request message accepted (larger: RESOURCE_EXHAUSTED)
 * @param shutdownGrace            how long a graceful shutdown waits for running jobs to checkpoint
 */
public record ServerConfig(String host, int port, Path dataDir, Path tokenFile, Path tlsCert, Path tlsKey,
                           int maxConcurrentRuns, int maxConcurrentExtractions, int maxQueued, int maxMessageBytes,
                           Duration shutdownGrace) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 50051;
    public static final int DEFAULT_MAX_QUEUED = 100;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
        }
        if (maxConcurrentRuns < 1 || maxConcurrentExtractions < 1) {
            throw new IllegalArgumentException("--max-concurrent-runs and --max-concurrent-extractions must be >= 1");
        }
        if (maxQueued < 1) {
            throw new IllegalArgumentException("--max-queued must be >= 1, got " + maxQueued);
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("--max-message-bytes must be >= 1024, got " + maxMessageBytes);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("--shutdown-grace must be >= 0");
        }
    }

    /** Defaults for everything but the port, data directory and token file (plaintext, loopback). */
    public static ServerConfig defaults(int port, Path dataDir, Path tokenFile) {
        return new ServerConfig(DEFAULT_HOST, port, dataDir, tokenFile, null, null, 1, 1, DEFAULT_MAX_QUEUED,
                DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE);
    }

    public ServerConfig withTls(Path cert, Path key) {
        return new ServerConfig(host, port, dataDir, tokenFile, cert, key, maxConcurrentRuns, maxConcurrentExtractions,
                maxQueued, maxMessageBytes, shutdownGrace);
    }

    public ServerConfig withConcurrency(int runs, int extractions) {
        return new ServerConfig(host, port, dataDir, tokenFile, tlsCert, tlsKey, runs, extractions, maxQueued,
                maxMessageBytes, shutdownGrace);
    }

    public ServerConfig withMaxMessageBytes(int bytes) {
        return new ServerConfig(host, port, dataDir, tokenFile, tlsCert, tlsKey, maxConcurrentRuns,
                maxConcurrentExtractions, maxQueued, bytes, shutdownGrace);
    }

    public boolean tls() {
        return tlsCert != null;
    }
}
