package dev.cggm.cli;

import sun.misc.Signal;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the CLI does on SIGTERM, SIGINT (Ctrl-C) and SIGHUP, instead of the JVM's default (which
 * starts the JVM's shutdown).
 *
 * <p>Why: ONNX Runtime's Java binding releases its native environment in a JVM shutdown hook of
 * its own, and shutdown hooks run concurrently with each other and with the program's threads.
 * Any ONNX Runtime call still in progress when the JVM shuts down — a training step, a session
 * being created — may then fail ("Attempt to use DefaultLogger but none has been registered") or
 * crash the JVM (SIGSEGV, or an assertion abort in {@code libonnxruntime}). A graceful stop
 * therefore must finish <em>before</em> the JVM's shutdown begins, which a shutdown hook cannot
 * guarantee. So:
 * <ul>
 *   <li>a command with a graceful stop ({@code serve}) registers it with {@link #onStop}: the
 *       first signal runs it on its own thread while the command returns normally afterwards
 *       (then the JVM exits, with nothing left using ONNX Runtime);</li>
 *   <li>any other command stops at once: {@link Runtime#halt} with the usual exit status (128 +
 *       signal number), running no shutdown hook, so nothing frees native memory under a running
 *       session — the same as {@code kill -9}, which every command survives (checkpoints, shards
 *       and manifests are written atomically);</li>
 *   <li>a second signal during a graceful stop stops at once too.</li>
 * </ul>
 * {@link #install} is called by {@link Main#main} only: tests that run commands in their own JVM
 * keep the JVM's default handling.
 */
final class StopSignals {
    private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");
    private static final AtomicBoolean stopping = new AtomicBoolean();
    private static volatile Runnable gracefulStop;
    private static volatile boolean installed;

    private StopSignals() {
    }

    /** Takes over the stop signals (where the platform lets a program handle them; else the JVM's default stays). */
    static void install() {
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), StopSignals::received);
                installed = true;
            } catch (IllegalArgumentException e) {
                // unknown on this platform, or reserved (e.g. -Xrs): the JVM's default handling stays
            }
        }
    }

    /**
     * Registers the running command's graceful stop, run once, on its own thread, at the first
     * stop signal. Returns whether signals are handled here (false: the JVM's default applies).
     */
    static boolean onStop(Runnable stop) {
        gracefulStop = stop;
        return installed;
    }

    private static void received(Signal signal) {
        Runnable stop = gracefulStop;
        if (stop == null || !stopping.compareAndSet(false, true)) {
            System.err.println("cggm: SIG" + signal.getName() + ": stopping now");
            System.err.flush();
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        Thread t = new Thread(stop, "cggm-stop");
        t.setDaemon(false);
        t.start();
    }
}
