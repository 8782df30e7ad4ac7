package dev.cggm.train;

import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.train.config.AuxiliaryOptions;
import dev.cggm.train.config.DataOptions;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.config.LoopOptions;
import dev.cggm.train.config.ModelOptions;
import dev.cggm.train.config.OptimizerOptions;
import dev.cggm.train.config.RuntimeOptions;
import dev.cggm.train.config.ScheduleOptions;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.MethodOptions;
import dev.cggm.train.method.Methods;

import java.util.Map;

/**
 * Everything a training run was started with, resolved and validated once: nested, typed option
 * objects (each validates its own fields), the same for the command line, the gRPC API and
 * {@code config.json} (the run directory's copy, read back by {@code --resume}). Build one with
 * {@link TrainConfigs#resolve}; change one with {@link #with}.
 *
 * @param method     the balancing method's options; their type says which method
 * @param auxiliary  the optimizer of the auxiliary classifiers (when the architecture has them)
 */
public record TrainConfig(
        DataOptions data,
        ModelOptions model,
        MethodOptions method,
        OptimizerOptions optimizer,
        AuxiliaryOptions auxiliary,
        ScheduleOptions schedule,
        LoopOptions loop,
        RuntimeOptions runtime) {

    public TrainConfig {
        InvalidOption.required("data", data);
        InvalidOption.required("model", model);
        InvalidOption.required("method", method);
        InvalidOption.required("optimizer", optimizer);
        InvalidOption.required("auxiliary", auxiliary);
        InvalidOption.required("schedule", schedule);
        InvalidOption.required("loop", loop);
        InvalidOption.required("runtime", runtime);
        if (schedule.kind() == dev.cggm.train.config.ScheduleKind.COSINE && schedule.warmupEpochs() > loop.epochs()) {
            throw new InvalidOption("schedule.warmup_epochs", "must be at most the " + loop.epochs()
                    + " epochs of the run, got " + schedule.warmupEpochs());
        }
        MethodDescriptor<?> d = Methods.of(method);
        if (!d.architectures().contains(model.architecture())) {
            throw new InvalidOption("model.architecture", "method '" + d.id() + "' runs on " + d.architectures()
                    + ", not '" + model.architecture() + "'");
        }
    }

    /** The method's registry entry. */
    public MethodDescriptor<?> methodDescriptor() {
        return Methods.of(method);
    }

    /** The method's id ({@code joint}, {@code cggm}, …). */
    public String methodId() {
        return methodDescriptor().id();
    }

    /**
     * A copy with some options replaced, by path ({@code optimizer.lr}, {@code runtime.device},
     * {@code method.rho}); the result is validated like any config, and an invalid value is an
     * {@link InvalidOption} naming its path.
     */
    public TrainConfig with(Map<String, Object> changes) {
        return TrainConfigs.apply(this, changes);
    }

    /** ONNX Runtime sessions on this run's device, deterministic (same seed, same results). */
    public DeviceSessions sessions() {
        return runtime.sessions();
    }
}
