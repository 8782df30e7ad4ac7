package dev.cggm.train.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.JsonErrors;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.train.TrainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A training run's directory:
 * <pre>
 * config.json                resolved configuration
 * artifacts/                 the training-artifact directory the run trains
 * metrics/steps.jsonl        one record per step
 * metrics/epochs.jsonl       one record per epoch (validation metrics, per-modality figures)
 * checkpoints/ckpt-NNNNNNNN/ parameters, optimizer and modulation state, state.json, SHA256SUMS
 * checkpoints/LATEST         name of the newest complete checkpoint
 * best/parameters.safetensors the best-on-validation parameters
 * inference_model.onnx       the best model, exported (classifiers removed)
 * summary.json               final figures (or the failure)
 * training.png               per-modality accuracy and coefficients over training
 * </pre>
 * Checkpoints are written to a temporary directory, fsynced and renamed into place, then LATEST is
 * replaced atomically, so a crash at any moment (also of the machine) leaves the previous
 * checkpoint intact.
 *
 * <p>Resuming never deletes run data: the newest checkpoint that reads back completely is used
 * (LATEST is only a hint — a lost or stale LATEST, or a damaged newest checkpoint: a file missing,
 * unreadable or not matching its recorded SHA-256, falls back to
 * the next intact one), and a directory with nothing to resume from is a
 * {@link DamagedRunException} saying what is missing.
 */
public final class RunDirectory {
    public static final String CONFIG = "config.json";
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    private static final String CHECKPOINTS = "checkpoints";
    private static final String LATEST = "LATEST";
    private static final Pattern CHECKPOINT_NAME = Pattern.compile("ckpt-\\d+");
    private static final String DAMAGED_SUFFIX = ".damaged";
    private static final List<String> CHECKPOINT_FILES = List.of("state.json", "parameters.safetensors",
            "optimizer.safetensors", "classifier_optimizer.safetensors", "modulation.safetensors");
    private static final int KEEP_CHECKPOINTS = 2;

    private final Path root;
    private String lastSaved;

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

    /**
     * An existing run directory (for --resume). Without {@value #CONFIG} it is not a run directory
     * ({@link NoSuchFileException}) — or, when it holds a run's checkpoints or metrics, a damaged
     * one ({@link DamagedRunException}).
     */
    public static RunDirectory open(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve(CONFIG))) {
            if (Files.isDirectory(root) && !unstarted(root)) {
                throw new DamagedRunException("run directory " + root + " has no " + CONFIG + " (the run's resolved "
                        + "options), so it cannot be resumed; it still holds " + String.join(", ", holdings(root))
                        + "; restore " + root.resolve(CONFIG) + " and resume again");
            }
            throw new NoSuchFileException(root.toString(), null, "not a run directory (no " + CONFIG + ")");
        }
        return new RunDirectory(root);
    }

    /**
     * Whether {@code root} holds nothing a run would lose: it does not exist, or it holds only what
     * a start writes before its first checkpoint (configuration, artifacts, empty metric logs) —
     * a start interrupted before step 0 was saved.
     */
    public static boolean unstarted(Path root) throws IOException {
        return !Files.exists(root) || holdings(root).isEmpty();
    }

    /**
     * Clears a directory {@link #unstarted} says holds nothing to lose, so a start can begin
     * again; refuses (and deletes nothing) otherwise.
     */
    public static void clearUnstarted(Path root) throws IOException {
        if (!unstarted(root)) {
            throw new DamagedRunException("run directory " + root + " holds " + String.join(", ", holdings(root))
                    + "; refusing to clear it");
        }
        deleteTree(root);
    }

    /** What of value {@code root} holds (checkpoints, metric records, the best model, results); empty if nothing. */
    private static List<String> holdings(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        Path checkpoints = root.resolve(CHECKPOINTS);
        if (Files.isDirectory(checkpoints)) {
            try (Stream<Path> s = Files.list(checkpoints)) {
                List<String> names = s.map(p -> p.getFileName().toString())
                        .filter(n -> !n.endsWith(".tmp")).sorted().toList();
                if (!names.isEmpty()) {
                    found.add(CHECKPOINTS + "/ " + names);
                }
            }
        }
        for (String log : List.of("metrics/steps.jsonl", "metrics/epochs.jsonl")) {
            long lines = lineCount(root.resolve(log));
            if (lines > 0) {
                found.add(log + " (" + lines + (lines == 1 ? " record)" : " records)"));
            }
        }
        for (String result : List.of("best", "inference_model.onnx", "summary.json", "training.png")) {
            Path p = root.resolve(result);
            if (Files.isRegularFile(p) || (Files.isDirectory(p) && !isEmpty(p))) {
                found.add(result);
            }
        }
        return found;
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

    /** Segmentation runs: validation slices with their ground truth and predictions. */
    public Path segmentationPicture() {
        return root.resolve("segmentation.png");
    }

    public Path plot() {
        return root.resolve("training.png");
    }

    public void writeConfig(TrainConfig config) throws IOException {
        Json.writeAtomically(root.resolve(CONFIG), config);
    }

    public TrainConfig readConfig() throws IOException {
        try {
            return dev.cggm.train.TrainConfigs.read(root.resolve(CONFIG));
        } catch (JsonProcessingException e) {
            throw new DamagedRunException(root.resolve(CONFIG) + " is not readable (" + JsonErrors.describe(e)
                    + "); restore it and resume again");
        }
    }

    /** A complete checkpoint. */
    public record Checkpoint(CheckpointState state, Map<String, SafeTensors.Entry> parameters,
                             Map<String, HostTensor> optimizer, Map<String, HostTensor> classifierOptimizer,
                             Map<String, HostTensor> modulation) {
    }

    /**
     * Writes a checkpoint atomically and drops all but the newest two. Checkpoints of this or
     * later steps that this run did not write (left by a run resumed from an older checkpoint
     * because they were damaged) are kept aside as {@code ckpt-N.damaged}, never deleted.
     */
    public void saveCheckpoint(Checkpoint c) throws IOException {
        Path dir = root.resolve(CHECKPOINTS);
        Files.createDirectories(dir);
        String name = checkpointName(c.state().globalStep());
        Path tmp = dir.resolve(name + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        SafeTensors.write(tmp.resolve("parameters.safetensors"), c.parameters(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("optimizer.safetensors"), c.optimizer(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("classifier_optimizer.safetensors"), c.classifierOptimizer(), Map.of());
        SafeTensors.writeTensors(tmp.resolve("modulation.safetensors"), c.modulation(), Map.of());
        Json.writeAtomically(tmp.resolve("state.json"), c.state());
        CheckpointSums.write(tmp, CHECKPOINT_FILES);
        // on disk before the rename makes it the newest: a machine crash then cannot leave it empty
        syncFiles(tmp, Stream.concat(CHECKPOINT_FILES.stream(), Stream.of(CheckpointSums.FILE)).toList());
        Path target = dir.resolve(name);
        if (name.equals(lastSaved)) {
            deleteTree(target); // this run's own checkpoint of the same step (a pause right after a periodic one)
        } else if (Files.exists(target)) {
            moveAside(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        lastSaved = name;
        Path latestTmp = dir.resolve(LATEST + ".tmp");
        Files.writeString(latestTmp, name);
        sync(latestTmp, StandardOpenOption.WRITE);
        Files.move(latestTmp, dir.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        sync(dir, StandardOpenOption.READ);                     // both renames
        List<Path> all = checkpointDirs(dir);
        int kept = 0;
        for (Path p : all) {
            if (p.getFileName().toString().compareTo(name) > 0) {
                moveAside(p);
            } else if (++kept > KEEP_CHECKPOINTS) {
                deleteTree(p);
            }
        }
    }

    /** fsyncs the named files in {@code dir}, and {@code dir} itself. */
    private static void syncFiles(Path dir, List<String> files) throws IOException {
        for (String f : files) {
            sync(dir.resolve(f), StandardOpenOption.WRITE);
        }
        sync(dir, StandardOpenOption.READ);
    }

    private static void sync(Path path, StandardOpenOption mode) throws IOException {
        try (FileChannel ch = FileChannel.open(path, mode)) {
            ch.force(true);
        }
    }

    /**
     * The newest complete checkpoint: the newest {@code ckpt-*} directory that reads back whole
     * (its state and all four tensor files). That is LATEST's unless LATEST was lost, or a crash
     * came between renaming a checkpoint into place and updating LATEST, or the newest checkpoint
     * is damaged (it is then skipped, with a log line). Empty only when the run has nothing to lose (see {@link #unstarted}: no
     * checkpoint was ever written and nothing trained).
     *
     * @throws DamagedRunException when the run trained but no checkpoint is intact, or the files a
     *                             checkpoint refers to (the best model) are missing; the message
     *                             lists what is missing or damaged
     */
    public Optional<Checkpoint> latestCheckpoint() throws IOException {
        Path dir = root.resolve(CHECKPOINTS);
        List<Path> candidates = Files.isDirectory(dir) ? checkpointDirs(dir) : List.of();
        String latest = readLatest(dir);
        if (candidates.isEmpty()) {
            if (unstarted(root)) {
                return Optional.empty();
            }
            throw new DamagedRunException("run directory " + root + " has no checkpoint to resume from ("
                    + (Files.isDirectory(dir) ? CHECKPOINTS + "/ holds no ckpt-* directory" : CHECKPOINTS + "/ is missing")
                    + ") although it holds " + String.join(", ", holdings(root)) + "; restore " + dir
                    + " from a backup, or start a new run");
        }
        List<String> problems = new ArrayList<>();
        if (latest == null) {
            problems.add(CHECKPOINTS + "/" + LATEST + " is missing");
        } else if (!candidates.contains(dir.resolve(latest))) {
            problems.add(CHECKPOINTS + "/" + LATEST + " names '" + latest + "', which does not exist");
        }
        for (Path c : candidates) {
            try {
                Checkpoint ckpt = read(c);
                requireReferencedFiles(ckpt.state());
                if (!problems.isEmpty()) {
                    LOG.warn("{}: {}; resuming from {}, the newest intact checkpoint", root, String.join("; ", problems),
                            c.getFileName());
                }
                return Optional.of(ckpt);
            } catch (DamagedRunException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                problems.add(c.getFileName() + " is damaged (" + JsonErrors.describe(e) + ")");
            }
        }
        throw new DamagedRunException("run directory " + root + " has no intact checkpoint: "
                + String.join("; ", problems) + "; restore " + dir + " from a backup, or start a new run");
    }

    /**
     * A checkpoint directory read whole; any missing, unreadable or changed (against its
     * {@link CheckpointSums}) file is an exception naming it.
     */
    private static Checkpoint read(Path dir) throws IOException {
        for (String f : CHECKPOINT_FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new NoSuchFileException(f, null, f + " is missing");
            }
        }
        CheckpointSums.verify(dir, CHECKPOINT_FILES);
        return new Checkpoint(
                Json.read(dir.resolve("state.json"), CheckpointState.class),
                SafeTensors.read(dir.resolve("parameters.safetensors")),
                SafeTensors.readTensors(dir.resolve("optimizer.safetensors")),
                SafeTensors.readTensors(dir.resolve("classifier_optimizer.safetensors")),
                SafeTensors.readTensors(dir.resolve("modulation.safetensors")));
    }

    /** What a checkpoint's state needs beside it: the best epoch's parameters and the metric records it counted. */
    private void requireReferencedFiles(CheckpointState s) throws IOException {
        List<String> missing = new ArrayList<>();
        if (s.bestEpoch() > 0 && !Files.isRegularFile(bestParameters())) {
            missing.add(root.relativize(bestParameters()) + " (the parameters of the best epoch, " + s.bestEpoch() + ")");
        }
        long steps = lineCount(stepsLog());
        long epochs = lineCount(epochsLog());
        if (steps < s.stepLogLines()) {
            missing.add(root.relativize(stepsLog()) + " records (" + steps + " of " + s.stepLogLines() + ")");
        }
        if (epochs < s.epochLogLines()) {
            missing.add(root.relativize(epochsLog()) + " records (" + epochs + " of " + s.epochLogLines() + ")");
        }
        if (!Files.isRegularFile(artifacts().resolve(ArtifactManifest.FILE))) {
            missing.add(root.relativize(artifacts()) + "/ (the training artifacts)");
        }
        if (!missing.isEmpty()) {
            throw new DamagedRunException("run directory " + root + " cannot be resumed: missing " + String.join(", ",
                    missing) + "; restore them and resume again");
        }
    }

    private static String readLatest(Path dir) throws IOException {
        Path latest = dir.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            return null;
        }
        String name = Files.readString(latest).trim();
        return CHECKPOINT_NAME.matcher(name).matches() ? name : null;
    }

    /** {@code ckpt-*} directories (complete renames, not temporaries), newest first. */
    private static List<Path> checkpointDirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> CHECKPOINT_NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.reverseOrder()).toList();
        }
    }

    private static String checkpointName(long step) {
        return String.format("ckpt-%08d", step);
    }

    private static void moveAside(Path checkpoint) throws IOException {
        Path aside = checkpoint.resolveSibling(checkpoint.getFileName() + DAMAGED_SUFFIX);
        deleteTree(aside);
        Files.move(checkpoint, aside, StandardCopyOption.ATOMIC_MOVE);
        LOG.warn("kept {} aside as {}: a later checkpoint than the one the run resumed from", checkpoint.getFileName(),
                aside.getFileName());
    }

    private static long lineCount(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
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
