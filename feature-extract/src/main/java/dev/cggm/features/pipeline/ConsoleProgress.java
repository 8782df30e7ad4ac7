package dev.cggm.features.pipeline;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress on stderr: a live progress bar when stderr is a terminal, otherwise one plain line
 * every {@code interval} (and one at the end of each split), which reads well in CI logs.
 */
public final class ConsoleProgress {
    private ConsoleProgress() {
    }

    /** A bar on a terminal, periodic lines otherwise, labelled "extract". */
    public static ProgressListener auto() {
        return auto("extract");
    }

    /** A bar on a terminal, periodic lines otherwise; lines start with {@code verb} (e.g. "import"). */
    public static ProgressListener auto(String verb) {
        return System.console() != null ? bar(verb) : lines(verb, System.err, Duration.ofSeconds(10));
    }

    /** A progress bar per split (me.tongfei:progressbar). */
    public static ProgressListener bar() {
        return bar("extract");
    }

    private static ProgressListener bar(String verb) {
        return new ProgressListener() {
            private ProgressBar bar;

            @Override
            public void splitStarted(String split, long total, long done) {
                bar = new ProgressBarBuilder().setTaskName(verb + " " + split).setInitialMax(total)
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" samples", 1)
                        .showSpeed().setUpdateIntervalMillis(250).continuousUpdate().build();
                bar.stepTo(done);
            }

            @Override
            public void advanced(long n) {
                bar.stepBy(n);
            }

            @Override
            public void splitFinished(String split, long rows, long errors) {
                if (bar != null) {
                    bar.close();
                    bar = null;
                }
            }
        };
    }

    /** Plain lines: at most one per {@code interval}, plus one when a split ends. */
    public static ProgressListener lines(PrintStream out, Duration interval) {
        return lines("extract", out, interval);
    }

    private static ProgressListener lines(String verb, PrintStream out, Duration interval) {
        return new ProgressListener() {
            private String split;
            private long total;
            private long done;
            private long startDone;
            private long startNanos;
            private long lastPrint;

            @Override
            public void splitStarted(String s, long t, long d) {
                split = s;
                total = t;
                done = d;
                startDone = d;
                startNanos = System.nanoTime();
                lastPrint = startNanos;
                out.printf(Locale.ROOT, "%s %s: %d samples%s%n", verb, s, t,
                        d > 0 ? String.format(Locale.ROOT, " (%d already done, resuming)", d) : "");
            }

            @Override
            public void advanced(long n) {
                done += n;
                long now = System.nanoTime();
                if (now - lastPrint >= interval.toNanos()) {
                    lastPrint = now;
                    double secs = (now - startNanos) / 1e9;
                    double rate = (done - startDone) / Math.max(secs, 1e-9);
                    long etaSecs = rate > 0 ? Math.round((total - done) / rate) : -1;
                    out.printf(Locale.ROOT, "%s %s: %d/%d samples (%.0f%%), %.1f samples/s, eta %s%n", verb, split, done,
                            total, 100.0 * done / Math.max(1, total), rate, etaSecs < 0 ? "?" : etaSecs + " s");
                }
            }

            @Override
            public void splitFinished(String s, long rows, long errors) {
                double secs = (System.nanoTime() - startNanos) / 1e9;
                out.printf(Locale.ROOT, "%s %s: done, %d rows, %d bad samples skipped, %.1f s%n", verb, s, rows, errors,
                        secs);
            }
        };
    }
}
