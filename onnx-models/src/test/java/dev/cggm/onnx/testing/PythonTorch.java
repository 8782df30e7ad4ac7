package dev.cggm.onnx.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Python scripts with PyTorch for reference checks. PyTorch comes from Debian's
 * {@code python3-torch} (the system interpreter), which these machines can install with apt;
 * where it is absent, {@link #available()} is false and callers skip with {@link #MISSING}.
 */
public final class PythonTorch {
    public static final String MISSING =
            "PyTorch reference check skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)";
    private static final String PYTHON = System.getenv().getOrDefault("CGGM_TORCH_PYTHON", "/usr/bin/python3");
    private static Boolean available;

    private PythonTorch() {
    }

    public static synchronized boolean available() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
                available = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                available = false;
            }
        }
        return available;
    }

    /** The directory holding this module's Python test scripts. */
    public static Path scripts() {
        Path p = Path.of("src/test/python");
        if (!Files.isDirectory(p)) {
            p = Path.of("onnx-models/src/test/python");
        }
        return p.toAbsolutePath();
    }

    /** Runs {@code script args…}; fails with the script's output if it exits non-zero. */
    public static String run(Path script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(script.getFileName() + " timed out:\n" + out);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(script.getFileName() + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
