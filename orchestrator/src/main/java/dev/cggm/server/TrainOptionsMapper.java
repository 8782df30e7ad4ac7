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
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.cggm.onnx.models.Presets;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.onnx.tasks.Task;
import dev.cggm.train.ModelFit;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainConfigs;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.method.CggmOptions;
import dev.cggm.train.method.Methods;
import dev.cggm.train.run.Json;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.ModalityShape;
import dev.cggm.train.data.StoreTask;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link TrainOptions} (the API's form of {@code ./cggm train}'s options) to and from the
 * trainer's {@link TrainConfig}. The request's fields become configuration paths and go through
 * {@link TrainConfigs#resolve}, the same validation the command line uses; an invalid value is
 * INVALID_ARGUMENT naming the field ({@code options.batch_size: must be in 1..100000, got 0},
 * {@code options.method_options.rho: ...}). What a request leaves unset comes from the preset's
 * recipe and the method's defaults, as on the command line. Checks that only need the feature
 * store's manifest (complete, has the splits, fits the preset and method) are made here too, so
 * a bad request fails at CreateRun rather than minutes later in the queue.
 */
final class TrainOptionsMapper {
    private static final List<String> VALIDATION_SPLITS = List.of("validation", "val", "dev");

    /** Configuration path → request field, for error messages. */
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("data.features", "options.features");
        FIELDS.put("data.modalities", "options.modalities");
        FIELDS.put("model.preset", "options.preset");
        FIELDS.put("model.architecture", "options.architecture");
        FIELDS.put("model.modality_order", "options.modality_order");
        FIELDS.put("model.faithful_projection", "options.faithful_projection");
        FIELDS.put("method", "options.method");
        FIELDS.put("loop.epochs", "options.epochs");
        FIELDS.put("loop.batch_size", "options.batch_size");
        FIELDS.put("loop.seed", "options.seed");
        FIELDS.put("loop.clip", "options.clip");
        FIELDS.put("loop.dropout", "options.dropout");
        FIELDS.put("loop.checkpoint_every", "options.checkpoint_every");
        FIELDS.put("loop.select_by", "options.select_by");
        FIELDS.put("optimizer.kind", "options.optimizer");
        FIELDS.put("optimizer.lr", "options.lr");
        FIELDS.put("optimizer.weight_decay", "options.weight_decay");
        FIELDS.put("optimizer.momentum", "options.momentum");
        FIELDS.put("auxiliary.lr", "options.classifier_lr");
        FIELDS.put("auxiliary.weight_decay", "options.classifier_weight_decay");
        FIELDS.put("schedule.kind", "options.scheduler");
        FIELDS.put("schedule.patience", "options.patience");
        FIELDS.put("schedule.factor", "options.factor");
        FIELDS.put("schedule.warmup_epochs", "options.warmup_epochs");
        FIELDS.put("schedule.min_lr", "options.min_lr");
        FIELDS.put("schedule.step_size", "options.step_size");
        FIELDS.put("schedule.gamma", "options.gamma");
        FIELDS.put("runtime.device", "options.device");
        FIELDS.put("runtime.threads", "options.threads");
    }

    private TrainOptionsMapper() {
    }

    /** A validated request: the trainer's config and the resolved options (every field set). */
    record Resolved(TrainConfig config, TrainOptions options) {
    }

    static Resolved resolve(TrainOptions o, DataDirectory data) {
        if (o.getPreset().isBlank()) {
            throw ApiErrors.invalid("options.preset", "required: one of " + String.join(", ", Presets.names()));
        }
        Path features = data.resolve("options.features", o.getFeatures());
        StoreManifest manifest = completeStore("options.features", features, o.getFeatures());
        TrainConfig cfg = config(o, features);
        try {
            ModelFit.configure(cfg, new ManifestFeatures(manifest, o.getFeatures()).select(cfg.data().modalities()));
        } catch (InvalidOption e) {
            throw invalid(e);
        } catch (IllegalArgumentException e) {
            throw ApiErrors.invalid("options.preset", e.getMessage());
        }
        return new Resolved(cfg, options(cfg, o.getFeatures()));
    }

    /** The trainer config of (resolved or partial) options, training the store at {@code features}. */
    static TrainConfig config(TrainOptions o, Path features) {
        try {
            return TrainConfigs.resolve(o.getPreset(), features.toString(), method(o), paths(o));
        } catch (InvalidOption e) {
            throw invalid(e);
        }
    }

    /** An invalid option as INVALID_ARGUMENT naming the request field. */
    private static RuntimeException invalid(InvalidOption e) {
        String field = FIELDS.get(e.field());
        if (field == null && e.field().startsWith("method.")) {
            field = "options.method_options." + e.field().substring("method.".length());
        }
        return ApiErrors.invalid(field != null ? field : "options." + e.field(), e.reason());
    }

    /** The method a request names: {@code method}, else the deprecated {@code modulation} (CGGM by default). */
    private static String method(TrainOptions o) {
        String legacy = switch (o.getModulation()) {
            case MODULATION_UNSPECIFIED -> null;
            case MODULATION_CGGM -> "cggm";
            case MODULATION_NONE -> "joint";
            default -> throw ApiErrors.invalid("options.modulation", "unknown value " + o.getModulationValue());
        };
        if (o.getMethod().isBlank()) {
            return legacy == null ? "cggm" : legacy;
        }
        if (legacy != null && !Methods.resolve(o.getMethod()).method().equals(legacy)) {
            throw ApiErrors.invalid("options.modulation", "says " + legacy + " but options.method says " + o.getMethod()
                    + "; set only options.method");
        }
        return o.getMethod();
    }

    /** The resolved options of a config (every field set); {@code features} as the client named it. */
    static TrainOptions options(TrainConfig c, String features) {
        TrainOptions.Builder b = TrainOptions.newBuilder()
                .setFeatures(features)
                .setPreset(c.model().preset())
                .setMethod(c.methodId())
                .setMethodOptions(struct(Json.FILES.valueToTree(c.method())))
                .setArchitecture(c.model().architecture())
                .addAllModalities(c.data().modalities())
                .addAllModalityOrder(c.model().modalityOrder())
                .setFaithfulProjection(c.model().faithfulProjection())
                .setEpochs(c.loop().epochs())
                .setBatchSize(c.loop().batchSize())
                .setSeed(c.loop().seed())
                .setOptimizer(Optimizer.valueOf("OPTIMIZER_" + c.optimizer().kind().name()))
                .setLr(c.optimizer().lr())
                .setWeightDecay(c.optimizer().weightDecay())
                .setMomentum(c.optimizer().momentum())
                .setClassifierLr(c.auxiliary().lr())
                .setClassifierWeightDecay(c.auxiliary().weightDecay())
                .setClip(c.loop().clip())
                .setScheduler(Scheduler.valueOf("SCHEDULER_" + c.schedule().kind().name()))
                .setPatience(c.schedule().patience())
                .setFactor(c.schedule().factor())
                .setWarmupEpochs(c.schedule().warmupEpochs())
                .setMinLr(c.schedule().minLr())
                .setStepSize(c.schedule().stepSize())
                .setGamma(c.schedule().gamma())
                .setDropout(c.loop().dropout())
                .setDevice(c.runtime().device())
                .setThreads(c.runtime().threads())
                .setCheckpointEvery(c.loop().checkpointEvery())
                .setSelectBy(c.loop().selectBy() == dev.cggm.train.config.SelectBy.LOSS ? SelectBy.SELECT_BY_LOSS
                        : SelectBy.SELECT_BY_METRIC);
        // the deprecated fields, for clients that still read them
        if (c.method() instanceof CggmOptions cggm) {
            b.setModulation(Modulation.MODULATION_CGGM).setRho(cggm.rho()).setLambda(cggm.lambda())
                    .setDirection(cggm.direction() == CggmOptions.Direction.GRADIENTS
                            ? CggmDirection.CGGM_DIRECTION_GRADIENTS : CggmDirection.CGGM_DIRECTION_WEIGHTS)
                    .setCoefficients(cggm.coefficients() == CggmOptions.Coefficients.GUARDED
                            ? CggmCoefficients.CGGM_COEFFICIENTS_GUARDED : CggmCoefficients.CGGM_COEFFICIENTS_FAITHFUL);
        } else if (c.methodId().equals("joint")) {
            b.setModulation(Modulation.MODULATION_NONE);
        }
        return b.build();
    }

    /** The set fields of {@code o} as configuration paths; proto enums become their option names. */
    private static Map<String, Object> paths(TrainOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!o.getArchitecture().isBlank()) {
            m.put("model.architecture", o.getArchitecture());
        }
        if (o.getModalitiesCount() > 0) {
            m.put("data.modalities", o.getModalitiesList());
        }
        if (o.getModalityOrderCount() > 0) {
            m.put("model.modality_order", o.getModalityOrderList());
        }
        if (o.hasFaithfulProjection()) {
            m.put("model.faithful_projection", o.getFaithfulProjection());
        }
        // deprecated CGGM fields
        if (o.hasRho()) {
            m.put("method.rho", o.getRho());
        }
        if (o.hasLambda()) {
            m.put("method.lambda", o.getLambda());
        }
        switch (o.getDirection()) {
            case CGGM_DIRECTION_WEIGHTS -> m.put("method.direction", "weights");
            case CGGM_DIRECTION_GRADIENTS -> m.put("method.direction", "gradients");
            case CGGM_DIRECTION_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.direction", "unknown value " + o.getDirectionValue());
        }
        switch (o.getCoefficients()) {
            case CGGM_COEFFICIENTS_FAITHFUL -> m.put("method.coefficients", "faithful");
            case CGGM_COEFFICIENTS_GUARDED -> m.put("method.coefficients", "guarded");
            case CGGM_COEFFICIENTS_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.coefficients", "unknown value " + o.getCoefficientsValue());
        }
        o.getMethodOptions().getFieldsMap().forEach((k, v) -> m.put("method." + k, plain(v)));
        if (o.hasEpochs()) {
            m.put("loop.epochs", o.getEpochs());
        }
        if (o.hasBatchSize()) {
            m.put("loop.batch_size", o.getBatchSize());
        }
        if (o.hasSeed()) {
            m.put("loop.seed", o.getSeed());
        }
        switch (o.getOptimizer()) {
            case OPTIMIZER_UNSPECIFIED -> { }
            case OPTIMIZER_ADAMW, OPTIMIZER_ADAM, OPTIMIZER_SGD ->
                    m.put("optimizer.kind", o.getOptimizer().name().substring("OPTIMIZER_".length()).toLowerCase(Locale.ROOT));
            default -> throw ApiErrors.invalid("options.optimizer", "unknown value " + o.getOptimizerValue());
        }
        if (o.hasLr()) {
            m.put("optimizer.lr", o.getLr());
        }
        if (o.hasWeightDecay()) {
            m.put("optimizer.weight_decay", o.getWeightDecay());
        }
        if (o.hasMomentum()) {
            m.put("optimizer.momentum", o.getMomentum());
        }
        if (o.hasClassifierLr()) {
            m.put("auxiliary.lr", o.getClassifierLr());
        }
        if (o.hasClassifierWeightDecay()) {
            m.put("auxiliary.weight_decay", o.getClassifierWeightDecay());
        }
        if (o.hasClip()) {
            m.put("loop.clip", o.getClip());
        }
        switch (o.getScheduler()) {
            case SCHEDULER_UNSPECIFIED -> { }
            case SCHEDULER_PLATEAU, SCHEDULER_COSINE, SCHEDULER_STEP, SCHEDULER_NONE ->
                    m.put("schedule.kind", o.getScheduler().name().substring("SCHEDULER_".length()).toLowerCase(Locale.ROOT));
            default -> throw ApiErrors.invalid("options.scheduler", "unknown value " + o.getSchedulerValue());
        }
        if (o.hasPatience()) {
            m.put("schedule.patience", o.getPatience());
        }
        if (o.hasFactor()) {
            m.put("schedule.factor", o.getFactor());
        }
        if (o.hasWarmupEpochs()) {
            m.put("schedule.warmup_epochs", o.getWarmupEpochs());
        }
        if (o.hasMinLr()) {
            m.put("schedule.min_lr", o.getMinLr());
        }
        if (o.hasStepSize()) {
            m.put("schedule.step_size", o.getStepSize());
        }
        if (o.hasGamma()) {
            m.put("schedule.gamma", o.getGamma());
        }
        if (o.hasDropout()) {
            m.put("loop.dropout", o.getDropout());
        }
        if (!o.getDevice().isEmpty()) {
            m.put("runtime.device", o.getDevice());
        }
        if (o.hasThreads()) {
            m.put("runtime.threads", o.getThreads());
        }
        if (o.hasCheckpointEvery()) {
            m.put("loop.checkpoint_every", o.getCheckpointEvery());
        }
        switch (o.getSelectBy()) {
            case SELECT_BY_METRIC -> m.put("loop.select_by", "metric");
            case SELECT_BY_LOSS -> m.put("loop.select_by", "loss");
            case SELECT_BY_UNSPECIFIED -> { }
            default -> throw ApiErrors.invalid("options.select_by", "unknown value " + o.getSelectByValue());
        }
        return m;
    }

    /** A protobuf Value as a plain Java value (integral numbers as longs, so integer options accept them). */
    static Object plain(Value v) {
        return switch (v.getKindCase()) {
            case NUMBER_VALUE -> {
                double d = v.getNumberValue();
                yield d == Math.rint(d) && Math.abs(d) < 9e15 ? (Object) (long) d : (Object) d;
            }
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> v.getBoolValue();
            case LIST_VALUE -> v.getListValue().getValuesList().stream().map(TrainOptionsMapper::plain).toList();
            case STRUCT_VALUE -> {
                Map<String, Object> m = new LinkedHashMap<>();
                v.getStructValue().getFieldsMap().forEach((k, x) -> m.put(k, plain(x)));
                yield m;
            }
            default -> null;
        };
    }

    /** A JSON object as a protobuf Struct (the resolved method options). */
    static Struct struct(com.fasterxml.jackson.databind.JsonNode node) {
        Struct.Builder s = Struct.newBuilder();
        node.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("id")) {
                s.putFields(e.getKey(), value(e.getValue()));
            }
        });
        return s.build();
    }

    static Value value(com.fasterxml.jackson.databind.JsonNode n) {
        if (n.isNumber()) {
            return Value.newBuilder().setNumberValue(n.asDouble()).build();
        }
        if (n.isBoolean()) {
            return Value.newBuilder().setBoolValue(n.asBoolean()).build();
        }
        if (n.isArray()) {
            com.google.protobuf.ListValue.Builder l = com.google.protobuf.ListValue.newBuilder();
            n.forEach(x -> l.addValues(value(x)));
            return Value.newBuilder().setListValue(l).build();
        }
        if (n.isObject()) {
            return Value.newBuilder().setStructValue(struct(n)).build();
        }
        if (n.isNull()) {
            return Value.newBuilder().setNullValue(com.google.protobuf.NullValue.NULL_VALUE).build();
        }
        return Value.newBuilder().setStringValue(n.asText()).build();
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

    /**
     * What {@link ModelFit} needs of a feature set, from its manifest alone (no features loaded):
     * the manifest's task (classification or regression), classes and modalities, any number of them.
     */
    private record ManifestFeatures(StoreTask store, String name) implements FeatureData {
        ManifestFeatures(StoreManifest manifest, String name) {
            this(StoreTask.of(manifest), name);
        }

        @Override
        public Task task() {
            return store.task();
        }

        @Override
        public int numClasses() {
            return store.numClasses();
        }

        @Override
        public List<String> labelNames() {
            return store.labelNames();
        }

        @Override
        public List<ModalityShape> modalities() {
            return store.modalities();
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
