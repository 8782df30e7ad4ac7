package dev.cggm.tests;

import dev.cggm.cli.Main;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./cggm serve} in a child JVM, as the launcher runs it, with its output in a log file. A
 * JVM crash report ({@code hs_err_pid*.log}) would be written next to the log, where
 * {@link #crashReports()} finds it.
 */
final class ServerProcess {
    private static final Pattern LISTENING = Pattern.compile("listening on [^ ]+:(\\d+)");

    final Process process;
    final int port;
    final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ServerProcess start(Path data, Path token, Path log) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-XX:ErrorFile=" + log.resolveSibling("hs_err_pid%p.log"),
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--port", "0", "--data-dir", data.toString(), "--token-file",
                token.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return new ServerProcess(p, Integer.parseInt(m.group(1)), log);
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("the server did not start: " + Files.readString(log));
    }

    /** SIGKILL, and wait for the process to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    /** SIGTERM (the documented graceful stop); returns the exit code, or fails if the process does not end. */
    int terminate() throws InterruptedException, IOException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the server did not stop within 90 s of SIGTERM: " + Files.readString(log));
        }
        return process.exitValue();
    }

    /** SIGTERM, then SIGKILL if it has not stopped within a minute. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** JVM crash reports written next to the log. */
    List<Path> crashReports() throws IOException {
        try (Stream<Path> s = Files.list(log.getParent())) {
            return s.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
        }
    }
}
