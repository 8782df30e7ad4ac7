package dev.cggm.server;

import dev.cggm.features.imports.ImportSource;
import dev.cggm.features.imports.Importer;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.Extractor;
import dev.cggm.features.pipeline.ProgressListener;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes an extraction on a job thread: opens the dataset and encoders, runs the
 * {@link Extractor} (or, for an import, opens the files and runs the {@link Importer}) into the
 * feature set's store and reports per-split progress (an event when a
 * split starts and ends, and about every {@value #PROGRESS_EVERY_MS} ms in between). A cancel or
 * a shutdown stops it after the sample in flight: the progress listener throws, the extractor
 * drops the unfinished shard and keeps the finished ones.
 */
final class ExtractionTask {
    private static final Logger LOG = LoggerFactory.getLogger(ExtractionTask.class);
    static final long PROGRESS_EVERY_MS = 500;

    private final ExtractionJob job;
    private final DataDirectory data;

    ExtractionTask(ExtractionJob job, DataDirectory data) {
        this.job = job;
        this.data = data;
    }

    /** Unwinds the extractor when a stop was requested. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stop requested", null, false, false);
        }
    }

    void run() {
        if (!job.begin()) {
            return;
        }
        try {
            ExtractionResult r;
            if (job.importOptions() != null) {
                try (ImportSource source = ImportOptionsMapper.open(job.importOptions(), data)) {
                    r = Importer.run(job.store(), source, ImportOptionsMapper.options(job.importOptions()), new Progress());
                }
            } else {
                r = Extractor.run(job.store(), ExtractionOptionsMapper.plan(job.options(), data), new Progress());
            }
            job.succeeded(r);
        } catch (StatusRuntimeException e) {
            job.failed(e.getStatus().getDescription());
        } catch (Throwable e) {
            if (stoppedBy(e)) {
                job.stopped();
                return;
            }
            if (ApiErrors.expected(e)) {
                LOG.warn("extraction {} failed: {}", job.id(), e.getMessage());
            } else {
                LOG.error("extraction {} failed", job.id(), e);
            }
            job.failed(data.redact(ApiErrors.describe(e)));
        }
    }

    private static boolean stoppedBy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Stopped) {
                return true;
            }
        }
        return false;
    }

    /** Progress into the job, throttled; throws {@link Stopped} when the job should stop. */
    private final class Progress implements ProgressListener {
        private String split;
        private long done;
        private long total;
        private long lastEvent;

        @Override
        public void splitStarted(String split, long total, long done) {
            checkStop();
            this.split = split;
            this.total = total;
            this.done = done;
            publish();
        }

        @Override
        public void advanced(long n) {
            checkStop();
            done += n;
            if (System.nanoTime() - lastEvent >= PROGRESS_EVERY_MS * 1_000_000) {
                publish();
            } else {
                job.progress(split, done, total, false);
            }
        }

        @Override
        public void splitFinished(String split, long rows, long errors) {
            done = total;
            publish();
        }

        private void publish() {
            lastEvent = System.nanoTime();
            job.progress(split, done, total, true);
        }

        private void checkStop() {
            if (job.stopRequested()) {
                throw new Stopped();
            }
        }
    }
}
