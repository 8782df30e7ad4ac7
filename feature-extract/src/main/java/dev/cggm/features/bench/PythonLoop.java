package dev.cggm.features.bench;

import dev.cggm.features.pipeline.ExtractionOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's Python comparison: the same encoder models, the same samples, in the loop a
 * Python pipeline would write ({@code tests/python/bench_extract.py}: onnxruntime, HF tokenizers,
 * Pillow + numpy), run with the repository's test virtualenv ({@code .venv}, made by
 * {@code scripts/python-env.sh}); skipped, saying why, where that is missing.
 */
final class PythonLoop {
    private final List<String> command;
    private final String skipped;

    private PythonLoop(List<String> command, String skipped) {
        this.command = command;
        this.skipped = skipped;
    }

    /** Writes the encoders, tokenizer and pre-processing to {@code work} for the script. */
    static PythonLoop prepare(ExtractionOptions o, Path work, Path manifest, int samples) throws IOException {
        Path root = repository();
        Path python = root == null ? null : root.resolve(".venv/bin/python");
        Path script = root == null ? null : root.resolve("tests/python/bench_extract.py");
        if (python == null || !Files.isExecutable(python) || !Files.isRegularFile(script)) {
            return new PythonLoop(null, "no .venv with onnxruntime/tokenizers/Pillow: run scripts/python-env.sh");
        }
        Files.createDirectories(work);
        Files.write(work.resolve("text.onnx"), o.text().model().read());
        Files.write(work.resolve("tokenizer.json"), o.text().tokenizer().read());
        Files.write(work.resolve("image.onnx"), o.image().model().read());
        Files.writeString(work.resolve("preprocessor_config.json"), o.imagePreprocessing().toJson());
        Path index = Files.isDirectory(manifest) ? manifest.resolve("manifest.jsonl") : manifest;
        return new PythonLoop(List.of(python.toString(), script.toString(), index.toString(), "train",
                Integer.toString(samples), Integer.toString(o.batchSize()), Integer.toString(o.maxLength()),
                Integer.toString(o.threads()), work.resolve("text.onnx").toString(),
                work.resolve("tokenizer.json").toString(), work.resolve("image.onnx").toString(),
                work.resolve("preprocessor_config.json").toString()), null);
    }

    /** Why the Python loop is not measured, or null. */
    String skipped() {
        return skipped;
    }

    /** One run of the loop (sessions created before its clock starts). */
    double samplesPerSecond() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the Python benchmark loop failed:\n" + out);
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                return Double.parseDouble(line.substring(7).trim());
            }
        }
        throw new IllegalStateException("the Python benchmark loop printed no result:\n" + out);
    }

    /** The repository: {@code -Dcggm.home} (the launcher sets it), else upwards from the working directory. */
    private static Path repository() {
        List<Path> starts = new ArrayList<>();
        String home = System.getProperty("cggm.home");
        if (home != null) {
            starts.add(Path.of(home));
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path d = start.toAbsolutePath(); d != null; d = d.getParent()) {
                if (Files.isRegularFile(d.resolve("scripts/python-env.sh"))) {
                    return d;
                }
            }
        }
        return null;
    }
}
