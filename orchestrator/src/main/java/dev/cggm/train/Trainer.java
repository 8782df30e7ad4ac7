package dev.cggm.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.CggmModelConfig;
import dev.cggm.onnx.models.Task;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.data.BatchFeeder;
import dev.cggm.train.data.FeatureData;
import dev.cggm.train.data.FeatureSplit;
import dev.cggm.train.data.MaskFeeder;
import dev.cggm.train.metrics.ClassificationMetrics;
import dev.cggm.train.metrics.RegressionMetrics;
import dev.cggm.train.modulation.Cggm;
import dev.cggm.train.modulation.ClassifierAccuracy;
import dev.cggm.train.modulation.JointTraining;
import dev.cggm.train.modulation.Modulation;
import dev.cggm.train.modulation.ModulationStats;
import dev.cggm.train.modulation.StepView;
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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a model from its training artifacts on a feature set, modulating the modalities with
 * the configured method. One step: assemble a batch and its dropout masks, one ONNX Runtime run
 * (forward + backward of the fused model and the classifiers), the modulation adjusts gradients,
 * the classifier optimizer steps, the model's gradients are clipped and its optimizer steps.
 * After each epoch the validation split picks the best model; at the end the test split is
 * evaluated with it and it is exported.
 *
 * <p>Everything random is a pure function of the seed and the position (data order of
 * (seed, epoch), dropout masks of (seed, step)), and checkpoints hold all other state, so a
 * resumed run ends exactly where an uninterrupted one would.
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final RunDirectory run;
    private final FeatureData data;
    private final CggmModelConfig model;
    private final ParameterSet params;
    private final ModelRunner runner;
    private final BatchFeeder feeder;
    private final MaskFeeder masks;
    private final Optimizer modelOptimizer;
    private final Optimizer classifierOptimizer;
    private final LrSchedule schedule;
    private final Modulation modulation;
    private final MetricsLog stepLog;
    private final MetricsLog epochLog;
    private final TrainListener listener;
    private final TrainControl control;
    private final int stepsPerEpoch;
    private final List<String> modalityNames;

    // where the run stands: the next step to take
    private int epoch;
    private int stepInEpoch;
    private long globalStep;
    private double epochLossSum;
    private long epochSamples;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private int bestEpoch = -1;
    private final long startNanos = System.nanoTime();

    private Trainer(TrainConfig cfg, RunDirectory run, FeatureData data, DeviceSessions sessions,
                    TrainListener listener, TrainControl control) throws IOException, OrtException {
        this.cfg = cfg;
        this.run = run;
        this.data = data;
        this.listener = listener;
        this.control = control;
        ArtifactManifest manifest = ArtifactManifest.read(run.artifacts());
        this.model = manifest.config();
        this.params = ParameterSet.create(manifest,
                SafeTensors.read(run.artifacts().resolve(manifest.files().get("checkpoint"))));
        this.runner = new ModelRunner(run.artifacts(), manifest, params, sessions);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        this.feeder = new BatchFeeder(env, data.task(), data.modalities(), cfg.batchSize());
        this.masks = new MaskFeeder(env, manifest, cfg.seed(), cfg.batchSize());
        this.modelOptimizer = Optimizer.create(cfg.optimizer(), cfg.weightDecay(), cfg.momentum());
        this.classifierOptimizer = Optimizer.create(cfg.optimizer(), cfg.classifierWeightDecay(), cfg.momentum());
        this.stepsPerEpoch = (data.train().size() + cfg.batchSize() - 1) / cfg.batchSize();
        this.schedule = schedule(cfg, stepsPerEpoch);
        this.modalityNames = model.modalities().stream().map(m -> m.name()).toList();
        this.modulation = cfg.modulation().equals("cggm") ? new Cggm(cfg.cggmOptions(), modalityNames) : new JointTraining();
        this.stepLog = new MetricsLog(run.stepsLog());
        this.epochLog = new MetricsLog(run.epochsLog());
    }

    /** Starts a new run in {@code runDir} (which must not exist or be empty). */
    public static Trainer start(TrainConfig cfg, Path runDir, FeatureData data, DeviceSessions sessions,
                                TrainListener listener, TrainControl control) throws IOException, OrtException {
        DataChecks.check(data, cfg);
        CggmModelConfig model = ModelFit.configure(cfg.preset(), data);
        RunDirectory run = RunDirectory.create(runDir);
        run.writeConfig(cfg);
        TrainingArtifacts.write(run.artifacts(), cfg.preset(), model, cfg.seed(), cfg.dropout());
        Trainer t = new Trainer(cfg, run, data, sessions, listener, control);
        t.checkpoint(); // step 0: a failure or a kill before the first periodic checkpoint still leaves a good state
        return t;
    }

    /** Continues a run from its newest checkpoint (or from the start if it never wrote one). */
    public static Trainer resume(Path runDir, FeatureData data, DeviceSessions sessions,
                                 TrainListener listener, TrainControl control) throws IOException, OrtException {
        RunDirectory run = RunDirectory.open(runDir);
        TrainConfig cfg = run.readConfig();
        DataChecks.check(data, cfg);
        Trainer t = new Trainer(cfg, run, data, sessions, listener, control);
        var ckpt = run.latestCheckpoint();
        if (ckpt.isPresent()) {
            t.restore(ckpt.get());
        } else {
            t.stepLog.truncate(0);
            t.epochLog.truncate(0);
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
            new TrainResult("failed", cfg.modulation(), bestEpoch, epoch, globalStep, Map.of(), Map.of(),
                    (System.nanoTime() - startNanos) / 1e9, run.root().toString(), e.getMessage()).write(run.summary());
            throw e;
        }
    }

    private TrainResult loop() throws IOException, OrtException {
        while (epoch < cfg.epochs()) {
            int[] order = shuffledRows(epoch);
            while (stepInEpoch < stepsPerEpoch) {
                trainStep(batchRows(order, stepInEpoch));
                stepInEpoch++;
                globalStep++;
                if (cfg.checkpointEvery() > 0 && globalStep % cfg.checkpointEvery() == 0) {
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
        FeatureSplit train = data.train();
        ModelRunner.Outputs out;
        BatchFeeder.Batch batch = feeder.assemble(train, rows);
        try (batch) {
            Map<String, OnnxTensor> stepMasks = masks.masks(globalStep, batch.size());
            try {
                out = runner.trainStep(batch.tensors(), stepMasks);
            } finally {
                stepMasks.values().forEach(OnnxTensor::close);
            }
        }
        requireFiniteLoss(out, rows);
        StepView view = new StepView(globalStep, data.task(), batch.size(), model.outputDim(), modalityNames,
                out.classifierOutputs(), batch.classLabels(), batch.targets(), params);
        ModulationStats mod = modulation.apply(view);

        requireFinite(params.classifiers(), GradientClipping.norm(params.classifiers()));
        classifierOptimizer.step(params.classifiers(), cfg.classifierLr());
        double gradNorm = GradientClipping.clip(params.model(), cfg.clip()); // leaves non-finite gradients alone
        requireFinite(params.model(), gradNorm);
        modelOptimizer.step(params.model(), schedule.lr());

        epochLossSum += out.loss() * batch.size();
        epochSamples += batch.size();
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", globalStep);
        rec.put("epoch", epoch + 1);
        rec.put("batch", batch.size());
        rec.put("loss", out.loss());
        rec.put("total_loss", out.loss() + mod.addedLoss());
        rec.put("lr", schedule.lr());
        rec.put("grad_norm", gradNorm);
        for (String m : modalityNames) {
            rec.put("cls_loss/" + m, out.classifierLosses().get(m));
            rec.put("cls_acc/" + m, mod.classifierAccuracy().get(m));
            rec.put("coeff/" + m, mod.coefficients().get(m));
            rec.put("cos/" + m, finiteOrNull(mod.cosines().get(m)));
        }
        rec.put("l_gm", finiteOrNull(mod.balanceLoss()));
        if (mod.guardTriggered()) {
            rec.put("guard", true);
        }
        rec.put("time_ms", (System.nanoTime() - t0) / 1e6);
        stepLog.append(rec);
        listener.onStep(rec, stepsPerEpoch);
    }

    private void endEpoch() throws IOException, OrtException {
        Evaluation val = evaluate(data.validation());
        schedule.onEpochEnd(epoch, val.loss());
        double score = cfg.selectBy().equals("loss") ? -val.loss() : val.score();
        boolean best = score > bestScore;
        if (best) {
            bestScore = score;
            bestEpoch = epoch + 1;
            SafeTensors.write(run.bestParameters(), params.snapshot(), Map.of("epoch", Integer.toString(bestEpoch)));
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("epoch", epoch + 1);
        rec.put("step", globalStep);
        rec.put("train_loss", epochSamples == 0 ? null : epochLossSum / epochSamples);
        rec.put("lr", schedule.lr());
        rec.putAll(val.record("val_"));
        rec.put("best", best);
        rec.put("elapsed_s", (System.nanoTime() - startNanos) / 1e9);
        epochLog.append(rec);
        listener.onEpoch(rec);
    }

    private TrainResult finish() throws IOException, OrtException {
        if (bestEpoch > 0) {
            params.restore(SafeTensors.read(run.bestParameters()));
        }
        Evaluation test = evaluate(data.test());
        Evaluation val = evaluate(data.validation());
        TrainingArtifacts.writeInferenceModel(model, params.snapshot(), run.inferenceModel());
        TrainResult result = new TrainResult("succeeded", cfg.modulation(), bestEpoch, epoch, globalStep,
                val.record(""), test.record(""), (System.nanoTime() - startNanos) / 1e9, run.root().toString(), null);
        result.write(run.summary());
        TrainingPlot.write(run.stepsLog(), run.epochsLog(), run.plot(), cfg.modulation());
        return result;
    }

    private TrainResult stopped() throws IOException {
        String status = control.requested() == TrainControl.Stop.PAUSE ? "paused" : "cancelled";
        TrainResult result = new TrainResult(status, cfg.modulation(), bestEpoch, epoch, globalStep, Map.of(), Map.of(),
                (System.nanoTime() - startNanos) / 1e9, run.root().toString(), null);
        result.write(run.summary());
        return result;
    }

    // ------------------------------------------------------------------------------- evaluation

    /** Loss, task metrics and per-modality classifier accuracy of a split (eval model, no dropout). */
    public Evaluation evaluate(FeatureSplit split) throws OrtException {
        int n = split.size();
        int c = model.outputDim();
        float[] outputs = new float[n * c];
        Map<String, float[]> cls = new LinkedHashMap<>();
        for (var m : model.modalities()) {
            cls.put(m.name(), new float[n * c]);
        }
        long[] labels = new long[n];
        float[] targets = new float[n];
        double lossSum = 0;
        for (int start = 0; start < n; start += cfg.batchSize()) {
            int[] rows = new int[Math.min(cfg.batchSize(), n - start)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = start + i;
            }
            try (BatchFeeder.Batch batch = feeder.assemble(split, rows)) {
                ModelRunner.Outputs out = runner.evaluate(batch.tensors());
                lossSum += out.loss() * rows.length;
                System.arraycopy(out.output(), 0, outputs, start * c, rows.length * c);
                for (var e : out.classifierOutputs().entrySet()) {
                    System.arraycopy(e.getValue(), 0, cls.get(e.getKey()), start * c, rows.length * c);
                }
                if (data.task() == Task.CLASSIFICATION) {
                    System.arraycopy(batch.classLabels(), 0, labels, start, rows.length);
                } else {
                    System.arraycopy(batch.targets(), 0, targets, start, rows.length);
                }
            }
        }
        return new Evaluation(data.task(), n == 0 ? Double.NaN : lossSum / n, outputs, cls, labels, targets, c);
    }

    /** Figures of one evaluated split. */
    public record Evaluation(Task task, double loss, float[] outputs, Map<String, float[]> classifierOutputs,
                             long[] labels, float[] targets, int outputDim) {
        /** The selection score: accuracy, or −MAE for regression (higher is better). */
        public double score() {
            return task == Task.CLASSIFICATION ? classification().accuracy() : -regression().mae();
        }

        public ClassificationMetrics classification() {
            return ClassificationMetrics.of(argmax(outputs), labels);
        }

        public RegressionMetrics regression() {
            return RegressionMetrics.of(outputs, targets);
        }

        /** Accuracy of one modality's classifier (argmax, or sign agreement for regression). */
        public double classifierAccuracy(String modality) {
            float[] o = classifierOutputs.get(modality);
            int n = task == Task.CLASSIFICATION ? labels.length : targets.length;
            return ClassifierAccuracy.of(task, o, outputDim, labels, targets, n);
        }

        private int[] argmax(float[] o) {
            int[] p = new int[labels.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = ClassifierAccuracy.argmax(o, i * outputDim, outputDim);
            }
            return p;
        }

        /** Flat record with a key prefix: loss, task metrics, per-modality accuracy, imbalance. */
        public Map<String, Object> record(String prefix) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put(prefix + "loss", loss);
            if (task == Task.CLASSIFICATION) {
                ClassificationMetrics m = classification();
                r.put(prefix + "acc", m.accuracy());
                r.put(prefix + "f1_macro", m.macroF1());
                r.put(prefix + "f1_weighted", m.weightedF1());
            } else {
                RegressionMetrics m = regression();
                r.put(prefix + "mae", m.mae());
                r.put(prefix + "corr", finiteOrNull(m.correlation()));
                r.put(prefix + "acc2", m.acc2());
                r.put(prefix + "acc7", m.acc7());
                r.put(prefix + "f1", m.f1());
            }
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (String modality : classifierOutputs.keySet()) {
                double a = classifierAccuracy(modality);
                r.put(prefix + "cls_acc/" + modality, a);
                lo = Math.min(lo, a);
                hi = Math.max(hi, a);
            }
            r.put(prefix + "imbalance", hi - lo);
            return r;
        }
    }

    // ------------------------------------------------------------------------------- state

    private void checkpoint() throws IOException {
        run.saveCheckpoint(new RunDirectory.Checkpoint(
                new CheckpointState(epoch, stepInEpoch, globalStep, schedule.state(), bestScore, bestEpoch,
                        epochLossSum, epochSamples, stepLog.lines(), epochLog.lines()),
                params.snapshot(), modelOptimizer.state(), classifierOptimizer.state(), modulation.state()));
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
        classifierOptimizer.restore(c.classifierOptimizer());
        modulation.restore(c.modulation());
        stepLog.truncate(s.stepLogLines());
        epochLog.truncate(s.epochLogLines());
    }

    private int[] shuffledRows(int e) {
        return dataOrder(cfg.seed(), e, data.train().size());
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
        int from = step * cfg.batchSize();
        return java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + cfg.batchSize()));
    }

    /** Stops the run, naming where and which samples, when the loss is not finite. */
    private void requireFiniteLoss(ModelRunner.Outputs out, int[] rows) {
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
        return switch (cfg.scheduler()) {
            case "plateau" -> new ReduceOnPlateau(cfg.lr(), cfg.factor(), cfg.patience());
            case "cosine" -> new CosineWarmup(cfg.lr(), cfg.minLr(), (long) cfg.epochs() * stepsPerEpoch,
                    (long) cfg.warmupEpochs() * stepsPerEpoch, cfg.lr() / 25);
            case "step" -> new StepDecay(cfg.lr(), cfg.stepSize(), cfg.gamma());
            default -> LrSchedule.constant(cfg.lr());
        };
    }

    /** Read-only access to a run directory's newest state (tests and tools). */
    public record Inspector(Path runDir) {
        /** Parameters of the newest checkpoint. */
        public Map<String, SafeTensors.Entry> latestParameters() throws IOException {
            return RunDirectory.open(runDir).latestCheckpoint()
                    .orElseThrow(() -> new IOException(runDir + " has no checkpoint")).parameters();
        }
    }

    static Object finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
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
}
