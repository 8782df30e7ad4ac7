package dev.cggm.spark;

import ai.onnxruntime.OrtException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.datasets.SampleStream;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.pipeline.EncoderSet;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.ExtractionPlan;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.store.Shard;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreWriter;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.apache.spark.SparkException;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The driver side of extraction on Spark:
 * <ol>
 *   <li>opens the encoders once on the driver's CPU to describe them in the manifest, and opens
 *       the store with {@link StoreWriter} (same settings check and resume rules as the local
 *       engine);</li>
 *   <li>reads the dataset's index and makes one partition per unfinished shard (a shard finished
 *       by an earlier run, of either engine, is skipped);</li>
 *   <li>runs them as one job, {@code mapPartitions} of {@link ShardTaskRunner}: each task writes
 *       and atomically commits its shard; Spark retries a failed task;</li>
 *   <li>adopts the committed shards into the manifest ({@link StoreWriter.Split#adoptFinished}),
 *       re-runs any shard that did not verify (at most twice), and marks the store complete.</li>
 * </ol>
 * Partitions are the store's shards and batches are cut within a shard as the local engine cuts
 * them, so the store is the local engine's, byte for byte, for quantized encoders too.
 */
final class SparkExtraction {
    private static final Logger LOG = LoggerFactory.getLogger(SparkExtraction.class);
    /** Job rounds: the first, then re-runs of shards that did not verify. */
    private static final int ROUNDS = 3;

    private final SparkSession spark;
    private final Path store;
    private final ExtractionOptions o;
    private final EncoderChoice choice;
    private final ProgressListener progress;
    private final String failFirstAttemptOf;
    private final Set<String> devices = new TreeSet<>();

    SparkExtraction(SparkSession spark, Path store, ExtractionOptions o, EncoderChoice choice, ProgressListener progress,
                    String failFirstAttemptOf) {
        this.spark = spark;
        this.store = store.toAbsolutePath().normalize();
        this.o = o;
        this.choice = choice;
        this.progress = progress;
        this.failFirstAttemptOf = failFirstAttemptOf;
    }

    ExtractionResult run() throws IOException, OrtException {
        long t0 = System.nanoTime();
        String engine = "spark " + spark.sparkContext().master() + ", executors " + o.device();
        StoreManifest base;
        try (EncoderSet probe = EncoderSet.open(o, new DeviceSessions(ExecutionDevice.CPU, 1).spinning(false))) {
            base = ExtractionPlan.manifest(o, probe, engine);
        }
        try (StoreWriter writer = StoreWriter.open(store, base, o.strict())) {
            ExtractionPlan.checkResumable(writer, o, store);
            Map<String, StoreWriter.Split> splits = new LinkedHashMap<>();
            for (String name : ExtractionPlan.splits(o)) {
                splits.put(name, writer.split(name, ExtractionPlan.entries(o, name)));
            }
            Map<String, Integer> resumed = new LinkedHashMap<>();
            splits.forEach((n, s) -> resumed.put(n, s.resumedShards()));
            Map<String, Long> processed = execute(base, splits);
            writer.complete();
            Map<String, ExtractionResult.SplitSummary> summaries = new LinkedHashMap<>();
            splits.forEach((n, s) -> summaries.put(n, new ExtractionResult.SplitSummary(s.entries(), s.info().rows(),
                    s.info().errors().size(), processed.getOrDefault(n, 0L), resumed.get(n))));
            String ran = engine + (devices.isEmpty() ? "" : " (sessions on " + String.join(", ", devices) + ")");
            return new ExtractionResult(store, ran, summaries, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Runs the unfinished shards and adopts them; returns entries processed per split. */
    private Map<String, Long> execute(StoreManifest base, Map<String, StoreWriter.Split> splits) throws IOException {
        long total = 0;
        long done = 0;
        for (StoreWriter.Split s : splits.values()) {
            total += s.entries();
            done += s.finishedEntries();
            Shard.deleteAttemptLeftovers(store, s.name());
        }
        String label = String.join("+", splits.keySet());
        progress.splitStarted(label, total, done);
        Map<String, Long> processed = new LinkedHashMap<>();
        Set<String> tried = new TreeSet<>();
        devices.clear();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                List<ShardTask> tasks = unfinishedShards(splits);
                if (tasks.isEmpty()) {
                    break;
                }
                if (round > 1) {
                    LOG.warn("{} shard(s) did not verify after round {} ({}); running them again", tasks.size(),
                            round - 1, tasks.stream().map(ShardTask::key).toList());
                }
                for (ShardTask t : tasks) {
                    if (tried.add(t.key())) {
                        processed.merge(t.split(), t.expectedEntries(), Long::sum);
                    }
                }
                devices.addAll(runJob(base, tasks));
                for (StoreWriter.Split s : splits.values()) {
                    s.adoptFinished();
                }
            }
            List<ShardTask> missing = unfinishedShards(splits);
            if (!missing.isEmpty()) {
                throw new FeatureException("shards " + missing.stream().map(ShardTask::key).toList() + " of " + store
                        + " were committed by Spark tasks but do not verify (file and sidecar checksums differ) after "
                        + ROUNDS + " rounds; are two jobs writing this store?");
            }
        } finally {
            for (StoreWriter.Split s : splits.values()) {
                Shard.deleteAttemptLeftovers(store, s.name());
            }
        }
        long rows = 0;
        long errors = 0;
        for (StoreWriter.Split s : splits.values()) {
            rows += s.info().rows();
            errors += s.info().errors().size();
        }
        progress.splitFinished(label, rows, errors);
        return processed;
    }

    /** One partition per unfinished shard, its entries read from the dataset's index. */
    private List<ShardTask> unfinishedShards(Map<String, StoreWriter.Split> splits) throws IOException {
        List<ShardTask> tasks = new ArrayList<>();
        for (StoreWriter.Split s : splits.values()) {
            Map<Integer, List<SampleRow>> rows = new LinkedHashMap<>();
            try (SampleStream samples = o.dataset().open(s.name())) {
                while (samples.hasNext()) {
                    Sample sample = samples.next();
                    if (sample.position() >= s.entries()) {
                        break;
                    }
                    int k = s.shardOf(sample.position());
                    if (!s.finished(k)) {
                        rows.computeIfAbsent(k, x -> new ArrayList<>()).add(SampleRow.of(sample));
                    }
                }
            }
            long shardSize = o.shardSize();
            rows.forEach((k, list) -> tasks.add(new ShardTask(s.name(), k, k * shardSize,
                    Math.min(shardSize, s.entries() - k * shardSize), list)));
        }
        return tasks;
    }

    /** Runs one job over {@code tasks}; returns the devices the executors' sessions ran on. */
    private Set<String> runJob(StoreManifest base, List<ShardTask> tasks) {
        Map<String, String> indexFiles = new LinkedHashMap<>();
        for (ShardTask t : tasks) {
            indexFiles.computeIfAbsent(t.split(), s -> o.dataset().indexFile(s).toString());
        }
        ExecutorJob job = new ExecutorJob(store.toString(), StoreManifests.json(base), choice, o.maxLength(),
                o.textPooling(), o.imagePooling(), o.precision(), o.batchSize(), o.threads(), o.device().toString(),
                o.strict(), o.dataset().labelNames(), indexFiles, failFirstAttemptOf);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TaskProgress listener = new TaskProgress(tasks, progress);
        String group = "cggm-extract-" + UUID.randomUUID();
        spark.sparkContext().addSparkListener(listener);
        try {
            // interruptOnCancel: when one task fails for good, the others stop instead of running on
            jsc.setJobGroup(group, "cggm extract: " + tasks.size() + " shard(s) into " + store, true);
            List<TaskOutcome> outcomes = jsc.parallelize(tasks, tasks.size()).mapPartitions(new ShardTaskRunner(job))
                    .collect();
            Set<String> devices = new TreeSet<>();
            for (TaskOutcome t : outcomes) {
                devices.add(t.device());
                LOG.debug("shard {}/{}: {} rows, {} bad, executor {} on {}", t.split(), t.index(), t.rows(),
                        t.errors(), t.executor(), t.device());
            }
            return devices;
        } catch (Exception e) { // Spark throws SparkException (checked) without declaring it
            jsc.cancelJobGroup(group);
            throw TaskFailures.explain(e);
        } finally {
            awaitNoRunningTasks(jsc, group);
            jsc.clearJobGroup();
            spark.sparkContext().removeSparkListener(listener);
        }
    }

    /**
     * Waits (at most a minute) until no task of the group runs: after a failed job Spark cancels
     * the others asynchronously, and none may still be writing when the run ends.
     */
    private static void awaitNoRunningTasks(JavaSparkContext jsc, String group) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            int active = 0;
            for (int jobId : jsc.statusTracker().getJobIdsForGroup(group)) {
                SparkJobInfo info = jsc.statusTracker().getJobInfo(jobId);
                if (info == null) {
                    continue;
                }
                for (int stageId : info.stageIds()) {
                    SparkStageInfo stage = jsc.statusTracker().getStageInfo(stageId);
                    active += stage == null ? 0 : stage.numActiveTasks();
                }
            }
            if (active == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("Spark tasks of {} still running a minute after the job ended", group);
    }

    /** Reports each finished partition's entries to the progress listener (on Spark's listener thread). */
    private static final class TaskProgress extends SparkListener {
        private final long[] entries;
        private final ProgressListener progress;

        TaskProgress(List<ShardTask> tasks, ProgressListener progress) {
            this.entries = tasks.stream().mapToLong(ShardTask::expectedEntries).toArray();
            this.progress = progress;
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            int i = end.taskInfo().index();
            if (end.taskInfo().successful() && i >= 0 && i < entries.length) {
                synchronized (this) {
                    progress.advanced(entries[i]);
                }
            }
        }
    }

    /** Why a job failed, as our one-line errors say it (the task's own message, not Spark's stack). */
    static final class TaskFailures {
        private TaskFailures() {
        }

        static RuntimeException explain(Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof FeatureException f && !(f instanceof ShardTaskRunner.InjectedFailure)) {
                    return f;
                }
            }
            if (e instanceof SparkException || !(e instanceof RuntimeException)) {
                String m = String.valueOf(e.getMessage());
                int at = m.indexOf("FeatureException: ");
                String reason = at >= 0 ? m.substring(at + "FeatureException: ".length()) : m;
                int nl = reason.indexOf('\n');
                return new FeatureException("Spark job failed: " + (nl >= 0 ? reason.substring(0, nl) : reason), e);
            }
            return (RuntimeException) e;
        }
    }
}
