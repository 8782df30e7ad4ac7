package dev.cggm.train.run;

import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training run's directory:
 * <pre>
 * config.json                resolved configuration
 * artifacts/                 the training-artifact directory the run trains
 * metrics/steps.jsonl        one record per step
 * metrics/epochs.jsonl       one record per epoch (validation metrics, per-modality figures)
 * checkpoints/ckpt-NNNNNNNN/ parameters, optimizer and modulation state, state.json
 * checkpoints/LATEST         name of the newest complete checkpoint
 * best/parameters.safetensors the best-on-validation parameters
 * inference_model.onnx       the best model, exported (classifiers removed)
 * summary.json               final figures (or the failure)
 * training.png               per-modality accuracy and coefficients over training
 * </pre>
 * Checkpoints are written to a temporary directory and renamed into place, then LATEST is
 * replaced atomically, so a crash at any moment leaves the previous checkpoint intact.
 */
public final class RunDirectory {
    public static final String CONFIG = "config.json";
    private static final String LATEST = "LATEST";
    private static final int KEEP_CHECKPOINTS = 2;

    private final Path root;

    private RunDirectory(Path root) {
        this.root = root;
    }

    /** A new run directory; refuses one that exists and is not empty. */
    public static RunDirectory create(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> s = Files.list(root)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("run directory " + root + " already exists; choose another --out, "
                            + "or continue it with --resume " + root);
                }
            }
        }
        Files.createDirectories(root.resolve("metrics"));
        Files.createDirectories(root.resolve("checkpoints"));
        Files.createDirectories(root.resolve("best"));
        return new RunDirectory(root);
    }

    /** An existing run directory (for --resume). */
    public static RunDirectory open(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve(CONFIG))) {
            throw new NoSuchFileException(root.toString(), null, "not a run directory (no " + CONFIG + ")");
        }
        return new RunDirectory(root);
    }

    public Path root() {
        return root;
    }

    public Path artifacts() {
        return root.resolve("artifacts");
    }

    public Path stepsLog() {
        return root.resolve("metrics").resolve("steps.jsonl");
    }

    public Path epochsLog() {
        return root.resolve("metrics").resolve("epochs.jsonl");
    }

    public Path bestParameters() {
        return root.resolve("best").resolve("parameters.safetensors");
    }

    public Path inferenceModel() {
        return root.resolve("inference_model.onnx");
    }

    public Path summary() {
        return root.resolve("summary.json");
    }

    public Path plot() {
        return root.resolve("training.png");
    }

    public void writeConfig(TrainConfig config) throws IOException {
        Json.writeAtomically(root.resolve(CONFIG), config);
    }

    public TrainConfig readConfig() throws IOException {
        return dev.cggm.train.TrainConfigs.read(root.resolve(CONFIG));
    }

    /** A complete checkpoint. */
    public record Checkpoint(CheckpointState state, Map<String, SafeTensors.Entry> parameters,
                             Map<String, HostTensor> optimizer, Map<String, HostTensor> classifierOptimizer,
                             Map<String, HostTensor> modulation) {
    }

    /** Writes a checkpoint atomically and drops all but the newest two. */
    public void saveCheckpoint(Checkpoint c) throws IOException {
        Path dir = root.resolve("checkpoints");
        String name = String.format("ckpt-%08d", c.state().globalStep());
        Path tmp = dir.resolve(name + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        SafeTensors.write(tmp.resolve("parameters.safetensors"), c.parameters(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("optimizer.safetensors"), c.optimizer(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("classifier_optimizer.safetensors"), c.classifierOptimizer(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("modulation.safetensors"), c.modulation(), Map.of());
        Json.writeAtomically(tmp.resolve("state.json"), c.state());
        Path target = dir.resolve(name);
        deleteTree(target);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Path latestTmp = dir.resolve(LATEST + ".tmp");
        Files.writeString(latestTmp, name);
        Files.move(latestTmp, dir.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (Stream<Path> s = Files.list(dir)) {
            var old = s.filter(p -> p.getFileName().toString().matches("ckpt-\\d+"))
                    .sorted(Comparator.reverseOrder()).skip(KEEP_CHECKPOINTS).toList();
            for (Path p : old) {
                deleteTree(p);
            }
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Checkpoint> latestCheckpoint() throws IOException {
        Path latest = root.resolve("checkpoints").resolve(LATEST);
        if (!Files.exists(latest)) {
            return Optional.empty();
        }
        Path dir = root.resolve("checkpoints").resolve(Files.readString(latest).trim());
        return Optional.of(new Checkpoint(
                Json.read(dir.resolve("state.json"), CheckpointState.class),
                SafeTensors.read(dir.resolve("parameters.safetensors")),
                SafeTensors.readTensors(dir.resolve("optimizer.safetensors")),
                SafeTensors.readTensors(dir.resolve("classifier_optimizer.safetensors")),
                SafeTensors.readTensors(dir.resolve("modulation.safetensors"))));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
