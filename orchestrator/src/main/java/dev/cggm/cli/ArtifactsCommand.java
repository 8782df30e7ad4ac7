package dev.cggm.cli;

import dev.cggm.onnx.artifacts.ArtifactCheck;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.Presets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code cggm artifacts}: writes and checks a training-artifact directory for a preset. */
@Command(name = "artifacts", mixinStandardHelpOptions = true,
        description = {"Write a training-artifact directory (training/eval/inference ONNX models, checkpoint, "
                + "artifacts.json) for a preset model and check it in ONNX Runtime."})
final class ArtifactsCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, description = "Model preset: ${COMPLETION-CANDIDATES}.",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--out", required = true, description = "Output directory (must be absent or empty unless --force).")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the initial weights and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-dropout", description = "Write the training model without dropout (for gradient checks).")
    boolean noDropout;

    @Option(names = "--input", paramLabel = "NAME=DIM[xLEN]",
            description = "Override a modality's feature width and sequence length, e.g. text=384x50 "
                    + "(LEN 0 makes the length symbolic). Repeatable.")
    Map<String, String> inputs;

    @Option(names = "--classes", description = "Override the number of classes.")
    Integer classes;

    @Option(names = "--force", description = "Replace the output directory if it exists.")
    boolean force;

    @Option(names = "--no-check", description = "Skip loading the models in ONNX Runtime afterwards.")
    boolean noCheck;

    @Override
    public Integer call() throws Exception {
        CggmModelConfig cfg = configure(Presets.get(preset), inputs, classes);
        if (force && Files.exists(out)) {
            deleteArtifactDir(out);
        }
        long t0 = System.nanoTime();
        ArtifactManifest m = TrainingArtifacts.write(out, preset, cfg, seed, !noDropout);
        System.out.printf("wrote %s: preset %s, %d modalities (%s), %d parameters, %.1f s%n", out, preset,
                cfg.numModalities(), String.join(", ", cfg.modalities().stream().map(Modality::name).toList()),
                m.parameters().size(), (System.nanoTime() - t0) / 1e9);
        if (!noCheck) {
            ArtifactCheck.Report r = ArtifactCheck.verify(out, 2, seed);
            System.out.printf("check: all three models load in ONNX Runtime; %,d parameter values; train loss %.4f; "
                            + "every gradient finite (max |g| %.3g); inference vs eval max |diff| %.2g%n",
                    r.parameterValues(), r.trainLoss(), r.maxGradAbs(), r.inferenceVsEvalMaxDiff());
        }
        return 0;
    }

    /** Applies --input and --classes overrides to a preset. */
    static CggmModelConfig configure(CggmModelConfig cfg, Map<String, String> inputs, Integer classes) {
        if (inputs != null) {
            for (Map.Entry<String, String> e : inputs.entrySet()) {
                Modality m = cfg.modality(e.getKey());
                String[] parts = e.getValue().toLowerCase().split("x");
                try {
                    int dim = Integer.parseInt(parts[0].trim());
                    int len = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : m.seqLen();
                    cfg = cfg.withModality(m.name(), dim, len);
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("--input " + e.getKey() + "=" + e.getValue()
                            + ": expected DIM or DIMxLEN, e.g. text=384x50");
                }
            }
        }
        if (classes != null) {
            cfg = cfg.withOutputDim(classes);
        }
        return cfg;
    }

    /** Removes a previous artifact directory; refuses anything that does not look like one. */
    private static void deleteArtifactDir(Path dir) throws java.io.IOException {
        if (!Files.exists(dir.resolve(ArtifactManifest.FILE))) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new java.io.IOException("--force: " + dir + " is not an artifact directory (no "
                            + ArtifactManifest.FILE + "); refusing to delete it");
                }
            }
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.copyOf(Presets.names()).iterator();
        }
    }
}
