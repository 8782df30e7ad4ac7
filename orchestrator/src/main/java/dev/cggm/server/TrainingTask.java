package dev.cggm.server;

import dev.cggm.api.v1.TrainOptions;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.EpochRecord;
import dev.cggm.train.StepRecord;
import dev.cggm.train.TrainConfig;
import dev.cggm.train.TrainControl;
import dev.cggm.train.TrainListener;
import dev.cggm.train.TrainResult;
import dev.cggm.train.Trainer;
import dev.cggm.train.data.FeatureStoreData;
import dev.cggm.train.data.InMemoryFeatureData;
import dev.cggm.train.run.DamagedRunException;
import dev.cggm.train.run.RunDirectory;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;

/**
 * Executes a run on a job thread: starts the trainer on a fresh run directory, or resumes it from
 * the directory's newest checkpoint, and reports steps, epochs and the outcome to the
 * {@link RunJob}. Every failure ends the run FAILED with a one-line message; the server goes on.
 */
final class TrainingTask {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingTask.class);

    private final RunJob job;
    private final DataDirectory data;

    TrainingTask(RunJob job, DataDirectory data) {
        this.job = job;
        this.data = data;
    }

    void run() {
        TrainControl control = job.begin();
        if (control == null) {
            return; // paused or cancelled while it waited
        }
        try {
            job.ended(train(control));
        } catch (DamagedRunException e) {
            // nothing was changed: once what is missing is restored, ResumeRun continues the run
            LOG.warn("run {} cannot continue: {}", job.id(), e.getMessage());
            job.cannotContinue(data.redact(e.getMessage()));
        } catch (StatusRuntimeException e) {
            job.failed(e.getStatus().getDescription());
        } catch (Throwable e) {
            if (ApiErrors.expected(e)) {
                LOG.warn("run {} failed: {}", job.id(), e.getMessage());
            } else {
                LOG.error("run {} failed", job.id(), e);
            }
            job.failed(data.redact(ApiErrors.describe(e)));
        }
    }

    private TrainResult train(TrainControl control) throws Exception {
        TrainOptions o = job.options();
        Path features = data.resolve("options.features", o.getFeatures());
        TrainConfig wanted = TrainOptionsMapper.config(o, features);
        Path runDir = job.runDirectory();
        TrainListener listener = new Listener();
        // a run directory with anything of value in it is resumed, never cleared: a start
        // interrupted before its step-0 checkpoint is the only one that starts over
        boolean resume = !RunDirectory.unstarted(runDir);
        TrainConfig cfg = wanted;
        if (resume) {
            // the stored config rules; only where the features are (the data directory may have
            // moved) and the device/threads of a ResumeRun may change, as with --resume
            RunDirectory dir = RunDirectory.open(runDir);
            TrainConfig stored = dir.readConfig();
            dir.latestCheckpoint(); // what is missing, if anything, before any session is opened
            cfg = stored.with(Map.of("data.features", wanted.data().features(), "runtime.device", wanted.runtime().device(),
                    "runtime.threads", wanted.runtime().threads()));
            if (!cfg.equals(stored)) {
                dir.writeConfig(cfg);
            }
        } else {
            RunDirectory.clearUnstarted(runDir);
        }
        DeviceSessions sessions = cfg.sessions();
        try (InMemoryFeatureData store = FeatureStoreData.load(Path.of(cfg.data().features()));
             Trainer trainer = resume ? Trainer.resume(runDir, store, sessions, listener, control)
                     : Trainer.start(cfg, runDir, store, sessions, listener, control)) {
            job.trainingStarted(trainer.stepsPerEpoch(), cfg.loop().epochs());
            return trainer.run();
        }
    }

    /** The trainer's progress as the run's events. */
    private final class Listener implements TrainListener {
        @Override
        public void onStep(StepRecord record, long stepsPerEpoch) {
            job.step(record, stepsPerEpoch);
        }

        @Override
        public void onEpoch(EpochRecord record) {
            job.epoch(record);
        }

        @Override
        public void onMessage(String message) {
            job.message(data.redact(message));
        }
    }
}
