package dev.cggm.server;

import dev.cggm.api.v1.CggmCoefficients;
import dev.cggm.api.v1.CggmDirection;
import dev.cggm.api.v1.Modulation;
import dev.cggm.api.v1.Optimizer;
import dev.cggm.api.v1.Scheduler;
import dev.cggm.api.v1.SelectBy;
import dev.cggm.api.v1.TrainOptions;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.InvalidStoreException;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.models.Task;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.train.ModelFit;
import dev.cggm.train.Recipes;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.modulation.CggmOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link TrainOptions} (the API's form of {@code ./cggm train}'s options) to and from the
 * trainer's {@link TrainConfig}. A request is validated field by field, each error naming the
 * field ({@code options.batch_size: must be > 0, got 0}); what it leaves unset comes from the
 * preset's recipe, as on the command line. Checks that only need the feature store's manifest
 * (complete, has the splits, fits the preset) are made here too, so a bad request fails at
 * CreateRun rather than minutes later in the queue.
 */
final class TrainOptionsMapper {
    private static final List<String> VALIDATION_SPLITS = List.of("validation", "val", "dev");

    private TrainOptionsMapper() {
    }

    /** A validated request: the trainer's config and the resolved options (every field set). */
    record Resolved(TrainConfig config, TrainOptions options) {
    }

    static Resolved resolve(TrainOptions o, DataDirectory data) {
        String preset = o.getPreset();
        if (preset.isBlank()) {
            throw ApiErrors.invalid("options.preset", "required: one of " + String.join(", ", Presets.names()));
        }
        if (!Presets.names().contains(preset)) {
            throw ApiErrors.invalid("options.preset", "unknown preset '" + preset + "'; known presets: "
                    + String.join(", ", Presets.names()));
        }
        Path features = data.resolve("options.features", o.getFeatures());
        StoreManifest manifest = completeStore("options.features", features, o.getFeatures());
        TrainConfig cfg = config(o, features);
        try {
            ModelFit.configure(preset, new ManifestFeatures(manifest, o.getFeatures()));
        } catch (IllegalArgumentException e) {
            throw ApiErrors.invalid("options.preset", e.getMessage());
        }
        return new Resolved(cfg, options(cfg, o.getFeatures()));
    }

    /** The trainer config of (resolved or partial) options, training the store at {@code features}. */
    static TrainConfig config(TrainOptions o, Path features) {
        TrainConfig base = Recipes.defaults(o.getPreset(), features.toString(), modulation(o.getModulation()));
        try {
            return base.with(overrides(o));
        } catch (IllegalArgumentException e) {
            throw ApiErrors.invalid("options", e.getMessage());
        }
    }

    /** The resolved options of a config (every field set); {@code features} as the client named it. */
    static TrainOptions options(TrainConfig c, String features) {
        return TrainOptions.newBuilder()
                .setFeatures(features)
                .setPreset(c.preset())
                .setModulation(c.modulation().equals("none") ? Modulation.MODULATION_NONE : Modulation.MODULATION_CGGM)
                .setRho(c.rho())
                .setLambda(c.lambda())
                .setDirection(c.direction() == CggmOptions.Direction.GRADIENTS ? CggmDirection.CGGM_DIRECTION_GRADIENTS
                        : CggmDirection.CGGM_DIRECTION_WEIGHTS)
                .setCoefficients(c.coefficients() == CggmOptions.Coefficients.GUARDED
                        ? CggmCoefficients.CGGM_COEFFICIENTS_GUARDED : CggmCoefficients.CGGM_COEFFICIENTS_FAITHFUL)
                .setEpochs(c.epochs())
                .setBatchSize(c.batchSize())
                .setSeed(c.seed())
                .setOptimizer(Optimizer.valueOf("OPTIMIZER_" + c.optimizer().toUpperCase(Locale.ROOT)))
                .setLr(c.lr())
                .setWeightDecay(c.weightDecay())
                .setMomentum(c.momentum())
                .setClassifierLr(c.classifierLr())
                .setClassifierWeightDecay(c.classifierWeightDecay())
                .setClip(c.clip())
                .setScheduler(Scheduler.valueOf("SCHEDULER_" + c.scheduler().toUpperCase(Locale.ROOT)))
                .setPatience(c.patience())
                .setFactor(c.factor())
                .setWarmupEpochs(c.warmupEpochs())
                .setMinLr(c.minLr())
                .setStepSize(c.stepSize())
                .setGamma(c.gamma())
                .setDropout(c.dropout())
                .setDevice(c.device())
                .setThreads(c.threads())
                .setCheckpointEvery(c.checkpointEvery())
                .setSelectBy(c.selectBy().equals("loss") ? SelectBy.SELECT_BY_LOSS : SelectBy.SELECT_BY_METRIC)
                .build();
    }

    /** The set fields of {@code o} as TrainConfig JSON names, each checked and named on error. */
    private static Map<String, Object> overrides(TrainOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (o.hasRho()) {
            m.put("rho", positive("options.rho", o.getRho()));
        }
        if (o.hasLambda()) {
            m.put("lambda", nonNegative("options.lambda", o.getLambda()));
        }
        switch (o.getDirection()) {
            case CGGM_DIRECTION_WEIGHTS -> m.put("direction", "WEIGHTS");
            case CGGM_DIRECTION_GRADIENTS -> m.put("direction", "GRADIENTS");
            case CGGM_DIRECTION_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.direction", "unknown value " + o.getDirectionValue());
        }
        switch (o.getCoefficients()) {
            case CGGM_COEFFICIENTS_FAITHFUL -> m.put("coefficients", "FAITHFUL");
            case CGGM_COEFFICIENTS_GUARDED -> m.put("coefficients", "GUARDED");
            case CGGM_COEFFICIENTS_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.coefficients", "unknown value " + o.getCoefficientsValue());
        }
        if (o.hasEpochs()) {
            m.put("epochs", range("options.epochs", o.getEpochs(), 1, 1_000_000));
        }
        if (o.hasBatchSize()) {
            m.put("batch_size", range("options.batch_size", o.getBatchSize(), 1, 100_000));
        }
        if (o.hasSeed()) {
            m.put("seed", o.getSeed());
        }
        switch (o.getOptimizer()) {
            case OPTIMIZER_ADAMW -> m.put("optimizer", "adamw");
            case OPTIMIZER_ADAM -> m.put("optimizer", "adam");
            case OPTIMIZER_SGD -> m.put("optimizer", "sgd");
            case OPTIMIZER_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.optimizer", "unknown value " + o.getOptimizerValue());
        }
        if (o.hasLr()) {
            m.put("lr", positive("options.lr", o.getLr()));
        }
        if (o.hasWeightDecay()) {
            m.put("weight_decay", nonNegative("options.weight_decay", o.getWeightDecay()));
        }
        if (o.hasMomentum()) {
            double v = nonNegative("options.momentum", o.getMomentum());
            if (v >= 1) {
                throw ApiErrors.invalid("options.momentum", "must be in [0, 1), got " + v);
            }
            m.put("momentum", v);
        }
        if (o.hasClassifierLr()) {
            m.put("classifier_lr", positive("options.classifier_lr", o.getClassifierLr()));
        }
        if (o.hasClassifierWeightDecay()) {
            m.put("classifier_weight_decay", nonNegative("options.classifier_weight_decay", o.getClassifierWeightDecay()));
        }
        if (o.hasClip()) {
            m.put("clip", nonNegative("options.clip", o.getClip()));
        }
        switch (o.getScheduler()) {
            case SCHEDULER_PLATEAU -> m.put("scheduler", "plateau");
            case SCHEDULER_COSINE -> m.put("scheduler", "cosine");
            case SCHEDULER_STEP -> m.put("scheduler", "step");
            case SCHEDULER_NONE -> m.put("scheduler", "none");
            case SCHEDULER_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.scheduler", "unknown value " + o.getSchedulerValue());
        }
        if (o.hasPatience()) {
            m.put("patience", range("options.patience", o.getPatience(), 0, Integer.MAX_VALUE));
        }
        if (o.hasFactor()) {
            double v = positive("options.factor", o.getFactor());
            if (v > 1) {
                throw ApiErrors.invalid("options.factor", "must be in (0, 1], got " + v);
            }
            m.put("factor", v);
        }
        if (o.hasWarmupEpochs()) {
            m.put("warmup_epochs", range("options.warmup_epochs", o.getWarmupEpochs(), 0, Integer.MAX_VALUE));
        }
        if (o.hasMinLr()) {
            m.put("min_lr", nonNegative("options.min_lr", o.getMinLr()));
        }
        if (o.hasStepSize()) {
            m.put("step_size", range("options.step_size", o.getStepSize(), 1, Integer.MAX_VALUE));
        }
        if (o.hasGamma()) {
            m.put("gamma", positive("options.gamma", o.getGamma()));
        }
        if (o.hasDropout()) {
            m.put("dropout", o.getDropout());
        }
        if (!o.getDevice().isEmpty()) {
            m.put("device", device("options.device", o.getDevice()));
        }
        if (o.hasThreads()) {
            m.put("threads", range("options.threads", o.getThreads(), 0, 4096));
        }
        if (o.hasCheckpointEvery()) {
            m.put("checkpoint_every", range("options.checkpoint_every", o.getCheckpointEvery(), 0, Integer.MAX_VALUE));
        }
        switch (o.getSelectBy()) {
            case SELECT_BY_METRIC -> m.put("select_by", "metric");
            case SELECT_BY_LOSS -> m.put("select_by", "loss");
            case SELECT_BY_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.select_by", "unknown value " + o.getSelectByValue());
        }
        return m;
    }

    private static String modulation(Modulation m) {
        return switch (m) {
            case MODULATION_UNSPECIFIED, MODULATION_CGGM -> "cggm";
            case MODULATION_NONE -> "none";
            default -> throw ApiErrors.invalid("options.modulation", "unknown value " + m);
        };
    }

    /** A device string, checked ("auto", "cpu", "cuda[:N]"); INVALID_ARGUMENT naming {@code field}. */
    static String device(String field, String device) {
        try {
            ExecutionDevice.parse(device);
            return device.trim().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw ApiErrors.invalid(field, e.getMessage());
        }
    }

    static int range(String field, int v, int min, int max) {
        if (v < min || v > max) {
            throw ApiErrors.invalid(field, max == Integer.MAX_VALUE ? "must be >= " + min + ", got " + v
                    : "must be in " + min + ".." + max + ", got " + v);
        }
        return v;
    }

    private static double positive(String field, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw ApiErrors.invalid(field, "must be a finite number > 0, got " + v);
        }
        return v;
    }

    private static double nonNegative(String field, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw ApiErrors.invalid(field, "must be a finite number >= 0, got " + v);
        }
        return v;
    }

    /**
     * The manifest of the complete feature store at {@code dir} with train, validation and test
     * splits: INVALID_ARGUMENT naming {@code field} when it is no feature store or lacks a split,
     * FAILED_PRECONDITION while it is still being written.
     */
    static StoreManifest completeStore(String field, Path dir, String clientPath) {
        StoreManifest m;
        try {
            m = StoreManifest.read(dir);
        } catch (InvalidStoreException e) {
            throw ApiErrors.failedPrecondition(field + ": " + e.getMessage().replace(dir.toString(), clientPath));
        } catch (FeatureException e) {
            throw ApiErrors.invalid(field, "'" + clientPath + "' is not a feature store (no readable manifest.json); "
                    + "create one with FeatureService.CreateExtraction");
        }
        if (!StoreManifest.COMPLETE.equals(m.status())) {
            throw ApiErrors.failedPrecondition(field + ": feature store '" + clientPath + "' is incomplete (status "
                    + m.status() + "); wait for its extraction to finish, or extract again to complete it");
        }
        List<String> missing = new ArrayList<>();
        if (!m.splits().containsKey("train")) {
            missing.add("train");
        }
        if (VALIDATION_SPLITS.stream().noneMatch(m.splits()::containsKey)) {
            missing.add("validation");
        }
        if (!m.splits().containsKey("test")) {
            missing.add("test");
        }
        if (!missing.isEmpty()) {
            throw ApiErrors.invalid(field, "feature store '" + clientPath + "' has no " + String.join(", ", missing)
                    + " split (it has " + m.splits().keySet() + "); training needs train, validation and test");
        }
        return m;
    }

    /** Modality shapes of a store, as the trainer reads them. */
    static List<ModalityShape> shapes(StoreManifest m) {
        List<ModalityShape> shapes = new ArrayList<>();
        for (StoreManifest.ModalityInfo info : m.modalities()) {
            List<Integer> s = info.shape();
            shapes.add(s.size() == 1 ? new ModalityShape(info.name(), 1, s.get(0))
                    : new ModalityShape(info.name(), s.get(0), s.get(1)));
        }
        return shapes;
    }

    /** What {@link ModelFit} needs of a feature set, from its manifest alone (no features loaded). */
    private record ManifestFeatures(StoreManifest manifest, String name) implements FeatureData {
        @Override
        public Task task() {
            return Task.CLASSIFICATION;
        }

        @Override
        public int numClasses() {
            return manifest.labelNames().size();
        }

        @Override
        public List<String> labelNames() {
            return manifest.labelNames();
        }

        @Override
        public List<ModalityShape> modalities() {
            return shapes(manifest);
        }

        @Override
        public FeatureSplit train() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FeatureSplit validation() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FeatureSplit test() {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe() {
            return "feature set '" + name + "'";
        }
    }
}
