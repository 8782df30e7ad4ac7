package dev.cggm.onnx.reference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the PyTorch reference scripts of the repository's {@code reference/} directory, for
 * parity tests and comparative benchmarks. PyTorch comes from Debian's {@code python3-torch}
 * (the system interpreter; {@code CGGM_TORCH_PYTHON} overrides it); where it is absent,
 * {@link #available()} is false and callers skip with {@link #MISSING}.
 */
public final class PyTorchReference {
    public static final String MISSING =
            "PyTorch reference skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)";
    private static final String PYTHON = System.getenv().getOrDefault("CGGM_TORCH_PYTHON", "/usr/bin/python3");
    private static Boolean available;

    private PyTorchReference() {
    }

    /** Whether the interpreter can import torch and numpy (checked once). */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                available = false;
            }
        }
        return available;
    }

    /**
     * The {@code reference/} directory: under {@code -Dcggm.home} (set by the {@code ./cggm}
     * launcher), else found upwards from the working directory.
     */
    public static Optional<Path> scripts() {
        String home = System.getProperty("cggm.home");
        List<Path> starts = new ArrayList<>();
        if (home != null) {
            starts.add(Path.of(home));
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("reference/cggm_reference.py"))) {
                    return Optional.of(p.resolve("reference"));
                }
            }
        }
        return Optional.empty();
    }

    /** The path of one reference script, or an error saying where it was looked for. */
    public static Path script(String name) {
        return scripts().map(d -> d.resolve(name)).filter(Files::isRegularFile).orElseThrow(() ->
                new IllegalStateException("cannot find reference/" + name + " (looked under -Dcggm.home and above "
                        + Path.of("").toAbsolutePath() + ")"));
    }

    /** Runs {@code script args…}; fails with the script's output if it exits non-zero. */
    public static String run(Path script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1800, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(script.getFileName() + " timed out:\n" + out);
        }
        if (p.exitValue() != 0) {
            throw new IOException(script.getFileName() + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
