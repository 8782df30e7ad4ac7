package dev.cggm.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The repository's test virtualenv ({@code <repo>/.venv}, made by {@code scripts/python-env.sh}). */
final class PythonEnv {
    private PythonEnv() {
    }

    /** The repository root (the directory holding {@code scripts/python-env.sh}). */
    static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("scripts/python-env.sh"))) {
                return d;
            }
        }
        throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
    }

    /** {@code .venv/bin/python}; fails the test (not skips) when the venv has not been made. */
    static Path python() {
        Path py = repo().resolve(".venv/bin/python");
        if (!Files.isExecutable(py)) {
            fail("Python test environment missing: " + py + " not found. Run scripts/python-env.sh first "
                    + "(creates .venv with tests/python/requirements.txt).");
        }
        return py;
    }

    /** Why {@link #torchPython()} is absent: the message a skipped test gives. */
    static final String NO_TORCH_VENV = "skipped: .venv-torch missing (scripts/python-env.sh makes it where "
            + "/usr/bin/python3 has PyTorch: apt-get install python3-torch)";

    /** {@code .venv-torch/bin/python} (transformers over Debian's PyTorch), or null where it was not made. */
    static Path torchPython() {
        Path py = repo().resolve(".venv-torch/bin/python");
        return Files.isExecutable(py) ? py : null;
    }

    /** A script under tests/python. */
    static Path script(String name) {
        return repo().resolve("tests/python").resolve(name);
    }

    /** Runs the venv's python on a script; returns stdout; fails with the output on a non-zero exit. */
    static String run(String script, String... args) throws IOException, InterruptedException {
        return runWith(python(), script, args);
    }

    /** Runs {@code python} on a script under tests/python; returns stdout; fails with the output on a non-zero exit. */
    static String runWith(Path python, String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script(script).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), script + " timed out");
        if (p.exitValue() != 0) {
            fail(script + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
