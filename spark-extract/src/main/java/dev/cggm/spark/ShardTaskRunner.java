package dev.cggm.spark;

import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.pipeline.EncoderSet;
import dev.cggm.features.pipeline.ShardExtraction;
import dev.cggm.features.store.BadRows;
import dev.cggm.features.store.FeatureSchema;
import dev.cggm.features.store.Shard;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreManifest.ShardInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.resource.ResourceInformation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The executor side: each partition holds one {@link ShardTask}; the task writes that shard with
 * the executor's shared sessions into files named after its attempt
 * ({@code part-NNNNN.arrow.attempt-<id>.tmp}) and commits it by atomic renames (the Arrow file,
 * then its sidecar). A failed or killed attempt leaves no shard and no sidecar, only temporary
 * files of its own, so a retry starts clean and the shard holds each entry exactly once.
 */
final class ShardTaskRunner implements FlatMapFunction<Iterator<ShardTask>, TaskOutcome> {
    private static final long serialVersionUID = 1L;
    private final ExecutorJob job;

    ShardTaskRunner(ExecutorJob job) {
        this.job = job;
    }

    @Override
    public Iterator<TaskOutcome> call(Iterator<ShardTask> tasks) throws Exception {
        TaskContext ctx = TaskContext.get();
        List<TaskOutcome> out = new ArrayList<>();
        while (tasks.hasNext()) {
            out.add(run(tasks.next(), ctx));
        }
        return out.iterator();
    }

    private TaskOutcome run(ShardTask task, TaskContext ctx) throws Exception {
        EncoderSet encoders = ExecutorEncoders.get(job, gpuAddresses(ctx));
        StoreManifest manifest = StoreManifests.parse(job.manifestJson());
        Schema schema = FeatureSchema.of(manifest);
        Path store = Path.of(job.store());
        long attempt = ctx == null ? 0 : ctx.taskAttemptId();
        boolean injectFailure = task.key().equals(job.failFirstAttemptOf()) && ctx != null && ctx.attemptNumber() == 0;
        BadRows badRows = new BadRows(job.strict(), store.resolve(StoreManifest.FILE).toString());
        ShardExtraction extraction = new ShardExtraction(encoders, job.labels(),
                Path.of(job.indexFiles().get(task.split())), job.batchSize(), badRows);
        List<Sample> samples = task.samples().stream().map(SampleRow::toSample).toList();
        try (BufferAllocator allocator = new RootAllocator();
             Shard shard = Shard.create(store, task.split(), task.index(), task.firstEntry(), task.expectedEntries(),
                     schema, allocator, "attempt-" + attempt)) {
            extraction.write(shard, samples, batch -> {
                if (ctx != null) {
                    ctx.killTaskIfInterrupted(); // the job was cancelled: stop between batches
                }
                if (injectFailure) {
                    throw new InjectedFailure("injected failure of the first attempt at shard " + task.key()
                            + " after record batch " + batch + " (tests)");
                }
            });
            ShardInfo info = shard.commit();
            return new TaskOutcome(task.split(), task.index(), info.rows(), info.errors().size(), encoders.device(),
                    ctx == null ? "?" : org.apache.spark.SparkEnv.get().executorId(), attempt);
        }
    }

    private static List<String> gpuAddresses(TaskContext ctx) {
        if (ctx == null) {
            return List.of();
        }
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    }

    /** The test-only failure of a first attempt ({@link ExecutorJob#failFirstAttemptOf()}). */
    static final class InjectedFailure extends FeatureException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
