package dev.cggm.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.TaskMetrics;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.data.BatchFeeder;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.MaskFeeder;
import dev.cggm.train.data.SliceAugmenter;
import dev.cggm.train.method.BalancingMethod;
import dev.cggm.train.method.GradientBuffers;
import dev.cggm.train.method.GradientTransform;
import dev.cggm.train.method.MethodSetup;
import dev.cggm.train.method.RunContext;
import dev.cggm.train.method.StepContext;
import dev.cggm.train.method.StepOutputs;
import dev.cggm.train.method.StepPlan;
import dev.cggm.train.method.StepReport;
import dev.cggm.train.optim.CosineWarmup;
import dev.cggm.train.optim.GradientClipping;
import dev.cggm.train.optim.LrSchedule;
import dev.cggm.train.optim.Optimizer;
import dev.cggm.train.optim.ReduceOnPlateau;
import dev.cggm.train.optim.StepDecay;
import dev.cggm.train.run.CheckpointState;
import dev.cggm.train.run.MetricsLog;
import dev.cggm.train.run.RunDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Trains a model from its training artifacts on a feature set, balancing the modalities with the
 * configured method. One step: assemble a batch and its dropout masks; the method plans the
 * step; per pass, one ONNX Runtime run (forward + backward of every loss term), the method's
 * gradient transform, the auxiliary classifiers' optimizer step, clipping and the model
 * optimizer's step. After each epoch the validation split picks the best model; at the end the
 * test split is evaluated with it and it is exported (with the method's prediction rule).
 *
 * <p>Everything random is a pure function of the seed and the position (data order of
 * (seed, epoch), dropout masks of (seed, step), a method's draws of (seed, step, pass, site)),
 * and checkpoints hold all other state, so a resumed run ends exactly where an uninterrupted one
 * would.
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final RunDirectory run;
    private final FeatureData data;
    private final ArchitectureConfig model;
    private final ParameterSet params;
    private final ModelRoles roles;
    private final BalancingMethod method;
    private final GradientTransform transform;
    private final ModelRunner runner;
    private final BatchFeeder feeder;
    private final MaskFeeder masks;
    private final LrSchedule schedule;
    private final MetricsLog stepLog;
    private final MetricsLog epochLog;
    private final TrainListener listener;
    private final TrainControl control;
    private final int stepsPerEpoch;
    private final RunContext context = new Context();
    private Optimizer modelOptimizer;
    private Optimizer auxiliaryOptimizer;

    // where the run stands: the next step to take
    private int epoch;
    private int stepInEpoch;
    private long globalStep;
    private double epochLossSum;
    private long epochSamples;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private int bestEpoch = -1;
    private final long startNanos = System.nanoTime();

    private Trainer(TrainConfig cfg, RunDirectory run, FeatureData data, BalancingMethod method, DeviceSessions sessions,
                    TrainListener listener, TrainControl control) throws IOException, OrtException {
        this.cfg = cfg;
        this.run = run;
        this.data = data;
        this.method = method;
        this.transform = method.gradients();
        this.listener = listener;
        this.control = control;
        ArtifactManifest manifest = ArtifactManifest.read(run.artifacts());
        this.model = manifest.config();
        this.params = ParameterSet.create(manifest,
                SafeTensors.read(run.artifacts().resolve(manifest.files().get("checkpoint"))));
        this.roles = new ModelRoles(manifest, params);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int batch = cfg.loop().batchSize();
        this.feeder = new BatchFeeder(env, data.modalities(), batch);
        this.masks = new MaskFeeder(env, manifest, cfg.loop().seed(), batch);
        this.stepsPerEpoch = (data.train().size() + batch - 1) / batch;
        this.schedule = schedule(cfg, stepsPerEpoch);
        resetOptimizers();
        // resources last, each closed if a later one fails
        ModelRunner r = new ModelRunner(run.artifacts(), manifest, params, sessions);
        MetricsLog steps = null;
        try {
            steps = new MetricsLog(run.stepsLog());
            this.epochLog = new MetricsLog(run.epochsLog());
        } catch (IOException | RuntimeException e) {
            closeQuietly(steps, e);
            closeQuietly(r, e);
            throw e;
        }
        this.runner = r;
        this.stepLog = steps;
    }

    /**
     * Starts a new run in {@code runDir} (which must not exist or be empty). Everything that can
     * be checked — the data, the model's fit, the method, the graphs — is checked before the
     * directory is created.
     */
    public static Trainer start(TrainConfig cfg, Path runDir, FeatureData data, DeviceSessions sessions,
                                TrainListener listener, TrainControl control) throws IOException, OrtException {
        FeatureData d = data.select(cfg.data().modalities());
        DataChecks.check(d);
        SliceAugmenter.check(cfg.data().augmentation(), d);
        ArchitectureConfig model = ModelFit.configure(cfg, d);
        BalancingMethod method = cfg.methodDescriptor().create(cfg.method(),
                new MethodSetup(model, cfg.loop().seed(), cfg.loop().epochs()));
        TrainingArtifacts.Spec spec = new TrainingArtifacts.Spec(cfg.model().preset(), model, method.graph(),
                cfg.loop().seed(), cfg.loop().dropout());
        TrainingArtifacts.Graphs graphs = TrainingArtifacts.build(spec);
        RunDirectory run = RunDirectory.create(runDir);
        run.writeConfig(cfg);
        TrainingArtifacts.write(run.artifacts(), spec, graphs);
        Trainer t = new Trainer(cfg, run, d, method, sessions, listener, control);
        t.checkpoint(); // step 0: a failure or a kill before the first periodic checkpoint still leaves a good state
        return t;
    }

    /** Continues a run from its newest checkpoint (or from the start if it never wrote one). */
    public static Trainer resume(Path runDir, FeatureData data, DeviceSessions sessions,
                                 TrainListener listener, TrainControl control) throws IOException, OrtException {
        RunDirectory run = RunDirectory.open(runDir);
        TrainConfig cfg = run.readConfig();
        FeatureData d = data.select(cfg.data().modalities());
        DataChecks.check(d);
        ArchitectureConfig model = ArtifactManifest.read(run.artifacts()).config();
        BalancingMethod method = cfg.methodDescriptor().create(cfg.method(),
                new MethodSetup(model, cfg.loop().seed(), cfg.loop().epochs()));
        Trainer t = new Trainer(cfg, run, d, method, sessions, listener, control);
        try {
            var ckpt = run.latestCheckpoint();
            if (ckpt.isPresent()) {
                t.restore(ckpt.get());
            } else {
                t.stepLog.truncate(0);
                t.epochLog.truncate(0);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(t, e);
            throw e;
        }
        listener.onMessage("resuming " + runDir + " at epoch " + (t.epoch + 1) + ", step " + t.globalStep);
        return t;
    }

    public TrainConfig config() {
        return cfg;
    }

    public RunDirectory runDirectory() {
        return run;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    // ------------------------------------------------------------------------------- the loop

    /**
     * Trains to the end (or until a pause or cancel request) and returns the outcome. A run that
     * has to stop ({@link TrainingFailed}) records the failure in summary.json and rethrows; its
     * last good checkpoint stays.
     */
    public TrainResult run() throws IOException, OrtException {
        try {
            return loop();
        } catch (TrainingFailed e) {
            result("failed", Map.of(), Map.of(), e.getMessage()).write(run.summary());
            throw e;
        }
    }

    private TrainResult loop() throws IOException, OrtException {
        method.setup(context);
        while (epoch < cfg.loop().epochs()) {
            if (stepInEpoch == 0) {
                method.onEpochStart(context);
            }
            int[] order = dataOrder(cfg.loop().seed(), epoch, data.train().size());
            while (stepInEpoch < stepsPerEpoch) {
                trainStep(batchRows(order, stepInEpoch));
                stepInEpoch++;
                globalStep++;
                if (cfg.loop().checkpointEvery() > 0 && globalStep % cfg.loop().checkpointEvery() == 0) {
                    checkpoint();
                }
                if (control.requested() != TrainControl.Stop.NONE) {
                    checkpoint();
                    return stopped();
                }
            }
            endEpoch();
            epoch++;
            stepInEpoch = 0;
            epochLossSum = 0;
            epochSamples = 0;
            checkpoint();
        }
        return finish();
    }

    private void trainStep(int[] rows) throws IOException, OrtException {
        long t0 = System.nanoTime();
        schedule.onStep(globalStep);
        try (BatchFeeder.Batch batch = feeder.assemble(data.train(), rows,
                SliceAugmenter.forStep(cfg.data().augmentation(), data.modalities(), cfg.loop().seed(), globalStep));
             Tensors stepMasks = new Tensors(masks.masks(globalStep, rows.length))) {
            Step step = new Step(batch, stepMasks.map);
            StepPlan plan = method.plan(step);
            step.planned();
            StepOutputs first = null;
            double gradNorm = Double.NaN;
            StepReport report = StepReport.NONE;
            try (Tensors inputs = new Tensors(hostTensors(plan.inputs()))) {
                step.inputs = inputs.map;
                for (int k = 0; k < plan.passes().size(); k++) {
                    StepPlan.Pass pass = plan.passes().get(k);
                    StepOutputs out = runner.trainStep(batch.tensors(), stepMasks.map, pass.lossWeights(), inputs.map);
                    requireFiniteLoss(out, rows);
                    step.beginPass(k, out);
                    report = report.and(transform.apply(step));
                    double norm = update(pass);
                    if (k == 0) {
                        first = out;
                        gradNorm = norm;
                    }
                }
            }
            epochLossSum += first.loss() * rows.length;
            epochSamples += rows.length;
            Map<String, StepRecord.ModalityStep> modalities = new LinkedHashMap<>();
            for (String m : model.modalityNames()) {
                modalities.put(m, new StepRecord.ModalityStep(first.modalityLoss(m), step.agreementOf(first, m)));
            }
            StepRecord rec = new StepRecord(globalStep, epoch + 1, rows.length, first.loss(),
                    first.loss() + report.addedLoss(), schedule.lr(), gradNorm, modalities, report.metrics(),
                    (System.nanoTime() - t0) / 1e6);
            stepLog.append(rec.toJson());
            listener.onStep(rec, stepsPerEpoch);
        }
    }

    /**
     * The optimizer steps of one pass, on the parameters it trains: the auxiliary classifiers,
     * then the model after clipping. Returns the model's gradient norm before clipping.
     */
    private double update(StepPlan.Pass pass) {
        List<ParameterSet.Param> aux = params.classifiers().stream().filter(ParameterSet.Param::reached)
                .filter(pass.trains()).toList();
        requireFinite(aux, GradientClipping.norm(aux));
        auxiliaryOptimizer.step(aux, cfg.auxiliary().lr(), pass.lrScale());
        List<ParameterSet.Param> trained = params.model().stream().filter(ParameterSet.Param::reached)
                .filter(pass.trains()).toList();
        double norm = GradientClipping.clip(trained, cfg.loop().clip()); // leaves non-finite gradients alone
        requireFinite(trained, norm);
        modelOptimizer.step(trained, schedule.lr(), pass.lrScale());
        return norm;
    }

    private void endEpoch() throws IOException, OrtException {
        Evaluation val = evaluate(data.validation());
        schedule.onEpochEnd(epoch, val.loss());
        double score = cfg.loop().selectBy() == dev.cggm.train.config.SelectBy.LOSS ? -val.loss() : val.score();
        boolean best = score > bestScore;
        if (best) {
            bestScore = score;
            bestEpoch = epoch + 1;
            SafeTensors.write(run.bestParameters(), params.snapshot(), Map.of("epoch", Integer.toString(bestEpoch)));
        }
        method.onEpochEnd(context, val);
        EpochRecord rec = new EpochRecord(epoch + 1, globalStep,
                epochSamples == 0 ? Double.NaN : epochLossSum / epochSamples, schedule.lr(), val, best,
                (System.nanoTime() - startNanos) / 1e9);
        epochLog.append(rec.toJson());
        listener.onEpoch(rec);
    }

    private TrainResult finish() throws IOException, OrtException {
        if (bestEpoch > 0) {
            params.restore(SafeTensors.read(run.bestParameters()));
        }
        Evaluation test = evaluate(data.test());
        Evaluation val = evaluate(data.validation());
        TrainingArtifacts.writeInferenceModel(model, method.graph(), params.snapshot(), run.inferenceModel());
        TrainResult result = result("succeeded", val.record(""), test.record(""), null);
        result.write(run.summary());
        TrainingPlot.write(run.stepsLog(), run.epochsLog(), run.plot(), cfg.methodId(), data.task().agreementName());
        if (data.task() == Tasks.SEGMENTATION) {
            SegmentationSnapshot.write(run.segmentationPicture(), data.validation(), model.modalityNames(),
                    model.outputDim(), (rows, c) -> forEachBatch(data.validation(), rows, c),
                    cfg.methodId() + ", best epoch " + bestEpoch + ", validation slices");
        }
        return result;
    }

    private TrainResult stopped() throws IOException {
        String status = control.requested() == TrainControl.Stop.PAUSE ? "paused" : "cancelled";
        TrainResult result = result(status, Map.of(), Map.of(), null);
        result.write(run.summary());
        return result;
    }

    private TrainResult result(String status, Map<String, Object> validation, Map<String, Object> test, String error) {
        return new TrainResult(status, cfg.methodId(), bestEpoch, epoch, globalStep, validation, test,
                (System.nanoTime() - startNanos) / 1e9, run.root().toString(), error, TrainResult.currentPeakRssMib());
    }

    // ------------------------------------------------------------------------------- evaluation

    /**
     * Loss, task metrics and per-modality accuracy of a split (eval model, no dropout), batch by
     * batch: the task accumulates its metrics and each modality's agreement is averaged over the
     * samples, so a split's outputs (a segmentation's score maps) are never held at once.
     */
    public Evaluation evaluate(FeatureSplit split) {
        int n = split.size();
        TaskMetrics.Accumulator[] metrics = {null};
        Map<String, Double> agreement = new LinkedHashMap<>();
        double[] lossSum = {0};
        forEachBatch(split, (rows, targets, out) -> {
            if (metrics[0] == null) {
                metrics[0] = data.task().accumulator(out.output().length / rows.length, split.targets());
            }
            metrics[0].add(rows[0], out.output(), rows.length);
            lossSum[0] += out.loss() * rows.length;
            for (String m : model.modalityNames()) {
                float[] mo = out.modalityOutput(m);
                agreement.merge(m, data.task().agreement(mo, mo.length / rows.length, targets) * rows.length, Double::sum);
            }
        });
        Map<String, Double> accuracy = new LinkedHashMap<>();
        agreement.forEach((m, sum) -> accuracy.put(m, sum / n));
        TaskMetrics result = metrics[0] != null ? metrics[0].result()
                : data.task().evaluate(new float[0], model.outputDim(), split.targets());
        return new Evaluation(data.task(), n == 0 ? Double.NaN : lossSum[0] / n, result, accuracy);
    }

    private void forEachBatch(FeatureSplit split, RunContext.BatchConsumer consumer) {
        int[] all = new int[split.size()];
        Arrays.setAll(all, i -> i);
        forEachBatch(split, all, consumer);
    }

    /** Runs the eval model over {@code rows} of a split, in batches of the run's size. */
    private void forEachBatch(FeatureSplit split, int[] rows, RunContext.BatchConsumer consumer) {
        int size = cfg.loop().batchSize();
        for (int start = 0; start < rows.length; start += size) {
            int[] batchRows = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + size));
            try (BatchFeeder.Batch batch = feeder.assemble(split, batchRows)) {
                consumer.accept(batchRows, batch.targets(), runner.evaluate(batch.tensors(), Map.of()));
            } catch (OrtException e) {
                throw new IllegalStateException("evaluating the " + split.name() + " split failed: " + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------------------- state

    private void checkpoint() throws IOException {
        run.saveCheckpoint(new RunDirectory.Checkpoint(
                new CheckpointState(epoch, stepInEpoch, globalStep, schedule.state(), bestScore, bestEpoch,
                        epochLossSum, epochSamples, stepLog.lines(), epochLog.lines()),
                params.snapshot(), modelOptimizer.state(), auxiliaryOptimizer.state(), method.state()));
    }

    private void restore(RunDirectory.Checkpoint c) throws IOException {
        CheckpointState s = c.state();
        epoch = s.epoch();
        stepInEpoch = s.stepInEpoch();
        globalStep = s.globalStep();
        schedule.restore(s.schedule());
        bestScore = s.bestScore();
        bestEpoch = s.bestEpoch();
        epochLossSum = s.epochLossSum();
        epochSamples = s.epochSamples();
        params.restore(c.parameters());
        modelOptimizer.restore(c.optimizer());
        auxiliaryOptimizer.restore(c.classifierOptimizer());
        method.restore(c.modulation());
        stepLog.truncate(s.stepLogLines());
        epochLog.truncate(s.epochLogLines());
    }

    private void resetOptimizers() {
        var o = cfg.optimizer();
        modelOptimizer = Optimizer.create(o.kind(), o.weightDecay(), o.momentum());
        auxiliaryOptimizer = Optimizer.create(o.kind(), cfg.auxiliary().weightDecay(), o.momentum());
    }

    /** The order of the {@code n} training rows in epoch {@code e}: a pure function of (seed, epoch). */
    public static int[] dataOrder(long seed, int e, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random rng = new Random(seed * 1_000_003L + e);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private int[] batchRows(int[] order, int step) {
        int from = step * cfg.loop().batchSize();
        return Arrays.copyOfRange(order, from, Math.min(order.length, from + cfg.loop().batchSize()));
    }

    /** Stops the run, naming where and which samples, when the loss is not finite. */
    private void requireFiniteLoss(StepOutputs out, int[] rows) {
        if (!Double.isFinite(out.loss())) {
            throw new TrainingFailed("the loss became " + out.loss() + " at " + where() + " (batch of samples "
                    + DataChecks.ids(data.train(), rows) + "); the last good checkpoint is kept in "
                    + run.root().resolve("checkpoints") + "; try a lower --lr");
        }
    }

    /**
     * Stops the run when {@code norm} — the gradients' joint norm, computed anyway for clipping —
     * is not finite, naming the first parameter with a non-finite gradient.
     */
    private void requireFinite(List<ParameterSet.Param> group, double norm) {
        if (Double.isFinite(norm)) {
            return;
        }
        String name = group.stream().filter(p -> {
            for (int i = 0; i < p.size(); i++) {
                if (!Float.isFinite(p.grad().get(i))) {
                    return true;
                }
            }
            return false;
        }).map(ParameterSet.Param::name).findFirst().orElse("?");
        throw new TrainingFailed("the gradient of '" + name + "' became non-finite at " + where()
                + "; the last good checkpoint is kept in " + run.root().resolve("checkpoints")
                + "; try a lower --lr or a smaller --clip");
    }

    private String where() {
        return "epoch " + (epoch + 1) + ", step " + globalStep;
    }

    private static LrSchedule schedule(TrainConfig cfg, int stepsPerEpoch) {
        var s = cfg.schedule();
        double lr = cfg.optimizer().lr();
        return switch (s.kind()) {
            case PLATEAU -> new ReduceOnPlateau(lr, s.factor(), s.patience());
            case COSINE -> new CosineWarmup(lr, s.minLr(), (long) cfg.loop().epochs() * stepsPerEpoch,
                    (long) s.warmupEpochs() * stepsPerEpoch, lr / 25);
            case STEP -> new StepDecay(lr, s.stepSize(), s.gamma());
            case NONE -> LrSchedule.constant(lr);
        };
    }

    private Map<String, OnnxTensor> hostTensors(Map<String, HostTensor> values) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (var e : values.entrySet()) {
                out.put(e.getKey(), e.getValue().toOnnx(OrtEnvironment.getEnvironment()));
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /** Tensors closed together. */
    private static final class Tensors implements AutoCloseable {
        final Map<String, OnnxTensor> map;

        Tensors(Map<String, OnnxTensor> map) {
            this.map = map;
        }

        @Override
        public void close() {
            map.values().forEach(OnnxTensor::close);
        }
    }

    /** Read-only access to a run directory's newest state (tests and tools). */
    public record Inspector(Path runDir) {
        /** Parameters of the newest checkpoint. */
        public Map<String, SafeTensors.Entry> latestParameters() throws IOException {
            return RunDirectory.open(runDir).latestCheckpoint()
                    .orElseThrow(() -> new IOException(runDir + " has no checkpoint")).parameters();
        }
    }

    private static void closeQuietly(AutoCloseable c, Exception primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public void close() throws IOException, OrtException {
        try {
            stepLog.close();
            epochLog.close();
        } finally {
            runner.close();
        }
    }

    // ------------------------------------------------------------------------------- contexts

    /** One training step as the method sees it. */
    private final class Step implements StepContext {
        private final BatchFeeder.Batch batch;
        private final Map<String, OnnxTensor> stepMasks;
        private Map<String, OnnxTensor> inputs = Map.of();
        private boolean planning = true;
        private int pass;
        private StepOutputs outputs;
        private final Map<String, Double> agreement = new HashMap<>();

        Step(BatchFeeder.Batch batch, Map<String, OnnxTensor> stepMasks) {
            this.batch = batch;
            this.stepMasks = stepMasks;
        }

        void planned() {
            planning = false;
        }

        void beginPass(int index, StepOutputs out) {
            pass = index;
            outputs = out;
            agreement.clear();
        }

        double agreementOf(StepOutputs out, String modality) {
            return data.task().agreement(out.modalityOutput(modality), out.modalityOutput(modality).length / batch.size(),
                    batch.targets());
        }

        @Override
        public long step() {
            return globalStep;
        }

        @Override
        public int epoch() {
            return epoch;
        }

        @Override
        public int stepInEpoch() {
            return stepInEpoch;
        }

        @Override
        public int stepsPerEpoch() {
            return stepsPerEpoch;
        }

        @Override
        public int pass() {
            return pass;
        }

        @Override
        public int batchSize() {
            return batch.size();
        }

        @Override
        public int[] rows() {
            return batch.rows().clone();
        }

        @Override
        public List<String> modalities() {
            return model.modalityNames();
        }

        @Override
        public dev.cggm.onnx.tasks.Task task() {
            return data.task();
        }

        @Override
        public int outputDim() {
            return model.outputDim();
        }

        @Override
        public Targets targets() {
            return batch.targets();
        }

        @Override
        public ParameterSet params() {
            return params;
        }

        @Override
        public ModelRoles roles() {
            return roles;
        }

        @Override
        public StepOutputs outputs() {
            if (outputs == null) {
                throw new IllegalStateException("the step's outputs are not known while it is planned");
            }
            return outputs;
        }

        @Override
        public double modalityAgreement(String modality) {
            return agreement.computeIfAbsent(modality, m -> agreementOf(outputs(), m));
        }

        @Override
        public SplittableRandom random(int site) {
            return StepContext.randomOf(cfg.loop().seed(), globalStep, pass, site);
        }

        @Override
        public FloatBuffer features(String modality) {
            FloatBuffer f = batch.features().get(modality);
            if (f == null) {
                throw new IllegalArgumentException("no modality '" + modality + "' in the batch");
            }
            return planning ? f.duplicate() : f.asReadOnlyBuffer();
        }

        @Override
        public StepOutputs rerun(Map<String, Double> lossWeights, GradientBuffers into) {
            try {
                return runner.trainStep(batch.tensors(), stepMasks, lossWeights, inputs, into);
            } catch (OrtException e) {
                throw new IllegalStateException("re-running step " + globalStep + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public GradientBuffers newGradientBuffers() {
            try {
                return runner.newGradientBuffers();
            } catch (OrtException e) {
                throw new IllegalStateException("cannot allocate gradient buffers: " + e.getMessage(), e);
            }
        }

        @Override
        public StepOutputs evaluateWithout(Set<String> zeroed) {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>(batch.tensors());
            try (Tensors zeros = new Tensors(new LinkedHashMap<>())) {
                for (String m : zeroed) {
                    zeros.map.put(m, feeder.zeros(m, batch.size()));
                }
                feed.putAll(zeros.map);
                return runner.evaluate(feed, inputs);
            } catch (OrtException e) {
                throw new IllegalStateException("evaluating step " + globalStep + " without " + zeroed + " failed: "
                        + e.getMessage(), e);
            }
        }
    }

    /** The run as a method sees it outside steps. */
    private final class Context implements RunContext {
        @Override
        public int epoch() {
            return epoch;
        }

        @Override
        public int epochs() {
            return cfg.loop().epochs();
        }

        @Override
        public long seed() {
            return cfg.loop().seed();
        }

        @Override
        public ParameterSet params() {
            return params;
        }

        @Override
        public ModelRoles roles() {
            return roles;
        }

        @Override
        public FeatureSplit train() {
            return data.train();
        }

        @Override
        public FeatureSplit validation() {
            return data.validation();
        }

        @Override
        public void forEachBatch(FeatureSplit split, BatchConsumer consumer) {
            Trainer.this.forEachBatch(split, consumer);
        }

        @Override
        public Evaluation evaluate(FeatureSplit split) {
            return Trainer.this.evaluate(split);
        }

        @Override
        public void resetOptimizers() {
            Trainer.this.resetOptimizers();
        }

        @Override
        public void resetBestModel() {
            bestScore = Double.NEGATIVE_INFINITY;
            bestEpoch = -1;
        }

        @Override
        public void restoreParameters(Map<String, SafeTensors.Entry> values) {
            params.restore(values);
        }

        @Override
        public Map<String, SafeTensors.Entry> initialParameters() {
            try {
                return SafeTensors.read(run.artifacts().resolve(TrainingArtifacts.CHECKPOINT));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Optional<Map<String, SafeTensors.Entry>> bestParameters() {
            if (bestEpoch <= 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(SafeTensors.read(run.bestParameters()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void log(String message) {
            listener.onMessage(message);
        }
    }
}
