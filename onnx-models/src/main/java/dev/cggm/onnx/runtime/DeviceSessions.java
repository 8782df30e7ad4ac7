package dev.cggm.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Creates ONNX Runtime sessions on the requested {@link ExecutionDevice}. The device is resolved
 * once, when the first session is created, and every later session uses the same one:
 * <ul>
 *   <li>{@code cpu}: the CPU provider;</li>
 *   <li>{@code cuda[:N]}: the CUDA provider on device N, or a {@link DeviceUnavailableException}
 *       saying why not (build without CUDA, driver/library missing, bad ordinal);</li>
 *   <li>{@code auto}: CUDA device 0 when the build offers the provider and a session initialises
 *       on it, otherwise the CPU provider.</li>
 * </ul>
 * The outcome is reported in exactly one line (to the given sink; by default the log), e.g.
 * {@code execution device: cpu (auto: this ONNX Runtime build has no CUDA execution provider)}.
 * Thread-safe.
 */
public final class DeviceSessions {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceSessions.class);

    private final ExecutionDevice requested;
    private final int intraOpThreads;
    private final CudaProvider cuda;
    private volatile Consumer<String> report;
    private final Consumer<String> fallback;
    private volatile boolean spinning = true;
    private volatile boolean deterministic;
    private ExecutionDevice resolved;

    /**
     * @param requested      what the user asked for
     * @param intraOpThreads ONNX Runtime intra-op threads per session (0 = ONNX Runtime's default: all cores)
     */
    public DeviceSessions(ExecutionDevice requested, int intraOpThreads) {
        this(requested, intraOpThreads, CudaProvider.onnxRuntime(), LOG::info, LOG::warn);
    }

    /** With an explicit CUDA provider and report sink (tests). */
    public DeviceSessions(ExecutionDevice requested, int intraOpThreads, CudaProvider cuda, Consumer<String> report) {
        this(requested, intraOpThreads, cuda, report, report);
    }

    private DeviceSessions(ExecutionDevice requested, int intraOpThreads, CudaProvider cuda, Consumer<String> report,
                           Consumer<String> fallback) {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), got " + intraOpThreads);
        }
        this.requested = requested;
        this.intraOpThreads = intraOpThreads;
        this.cuda = cuda;
        this.report = report;
        this.fallback = fallback;
    }

    /**
     * Leaves out the line saying which device was chosen (for {@code --quiet}); a fall-back from
     * CUDA to the CPU is still reported, as a warning.
     */
    public DeviceSessions silent() {
        report = message -> { };
        return this;
    }

    /**
     * Whether ONNX Runtime's intra-op threads busy-wait for work between runs (its default: on).
     * Turn it off when other threads of the process need the same cores between session runs
     * (e.g. feature extraction's decode workers); applies to sessions created afterwards.
     */
    public DeviceSessions spinning(boolean on) {
        this.spinning = on;
        return this;
    }

    /**
     * Asks ONNX Runtime for deterministic kernels (training: same seed, same results); applies to
     * sessions created afterwards.
     */
    public DeviceSessions deterministic(boolean on) {
        this.deterministic = on;
        return this;
    }

    /** The device asked for. */
    public ExecutionDevice requested() {
        return requested;
    }

    /** The device sessions actually run on ({@code cpu} or {@code cuda:N}); null before the first session. */
    public synchronized ExecutionDevice resolved() {
        return resolved;
    }

    /** Creates a session over serialized model bytes. */
    public OrtSession open(byte[] model) throws OrtException {
        return open(opts -> OrtEnvironment.getEnvironment().createSession(model, opts));
    }

    /** Creates a session over a model file. */
    public OrtSession open(java.nio.file.Path model) throws OrtException {
        return open(opts -> OrtEnvironment.getEnvironment().createSession(model.toString(), opts));
    }

    /** How a session is made from options (lets tests and callers supply the model any way). */
    @FunctionalInterface
    public interface SessionMaker {
        OrtSession make(OrtSession.SessionOptions options) throws OrtException;
    }

    /** Creates a session on the resolved device, resolving it first if this is the first session. */
    public synchronized OrtSession open(SessionMaker maker) throws OrtException {
        if (resolved == null) {
            return resolveWith(maker);
        }
        try (OrtSession.SessionOptions opts = baseOptions()) {
            if (resolved.kind() == ExecutionDevice.Kind.CUDA) {
                cuda.append(opts, resolved.deviceId());
            }
            return maker.make(opts);
        }
    }

    private OrtSession resolveWith(SessionMaker maker) throws OrtException {
        switch (requested.kind()) {
            case CPU -> {
                OrtSession s = onCpu(maker);
                resolved = ExecutionDevice.CPU;
                report.accept("execution device: cpu (requested)");
                return s;
            }
            case CUDA -> {
                if (!cuda.offered()) {
                    throw new DeviceUnavailableException(requested, "this ONNX Runtime build has no CUDA execution "
                            + "provider (build with the Maven profile 'gpu' to get onnxruntime_gpu)", null);
                }
                OrtSession s;
                try {
                    s = onCuda(maker, requested.deviceId());
                } catch (OrtException | RuntimeException e) {
                    throw new DeviceUnavailableException(requested, "the CUDA execution provider failed to initialise: "
                            + firstLine(e), e);
                }
                resolved = requested;
                report.accept("execution device: " + requested + " (requested)");
                return s;
            }
            default -> {
                if (!cuda.offered()) {
                    OrtSession s = onCpu(maker);
                    resolved = ExecutionDevice.CPU;
                    report.accept("execution device: cpu (auto: this ONNX Runtime build has no CUDA execution provider)");
                    return s;
                }
                try {
                    OrtSession s = onCuda(maker, 0);
                    resolved = ExecutionDevice.cuda(0);
                    report.accept("execution device: cuda:0 (auto: CUDA execution provider initialised)");
                    return s;
                } catch (OrtException | RuntimeException e) {
                    OrtSession s = onCpu(maker);
                    resolved = ExecutionDevice.CPU;
                    fallback.accept("execution device: cpu (auto: CUDA execution provider offered but failed to "
                            + "initialise: " + firstLine(e) + ")");
                    return s;
                }
            }
        }
    }

    private OrtSession onCpu(SessionMaker maker) throws OrtException {
        try (OrtSession.SessionOptions opts = baseOptions()) {
            return maker.make(opts);
        }
    }

    private OrtSession onCuda(SessionMaker maker, int device) throws OrtException {
        try (OrtSession.SessionOptions opts = baseOptions()) {
            cuda.append(opts, device);
            return maker.make(opts);
        }
    }

    private OrtSession.SessionOptions baseOptions() throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (intraOpThreads > 0) {
                opts.setIntraOpNumThreads(intraOpThreads);
            }
            if (!spinning) {
                opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            if (deterministic) {
                opts.setDeterministicCompute(true);
            }
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** An explicitly requested device cannot be used. */
    public static final class DeviceUnavailableException extends OrtException {
        private static final long serialVersionUID = 1L;
        private final transient ExecutionDevice device;

        DeviceUnavailableException(ExecutionDevice device, String reason, Throwable cause) {
            super("device " + device + " is not available: " + reason);
            this.device = device;
            if (cause != null) {
                initCause(cause);
            }
        }

        public ExecutionDevice device() {
            return device;
        }
    }
}
