package dev.cggm.features.bench;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.datasets.JsonlDataset;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.pipeline.ExtractionEngine;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.Extractor;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.pipeline.SessionLoop;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.runtime.ExecutionDevice;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code cggm bench extract}: the full extraction pipeline (read → decode/tokenize → sessions →
 * Arrow → files) against a bare loop of the same sessions over inputs prepared in memory, on
 * the demo dataset with the default encoders; then peak memory of the pipeline at two dataset
 * sizes, each measured in a fresh JVM whose heap is fixed and pre-touched (so that heap sizing
 * does not show up as growth): peak RSS from /proc/self/status VmHWM, and the largest heap
 * occupancy seen right after a garbage collection.
 */
public final class ExtractBenchmark {
    /** Benchmark settings. */
    public record Settings(int samples, int rounds, int smallSize, int largeSize, int batchSize, int threads,
                           int workers, String childHeap, Path workDir) {
    }

    /** Memory of one pipeline run in its own JVM. */
    public record Memory(int samples, double samplesPerSecond, long peakRssKb, long peakHeapAfterGcKb) {
    }

    /**
     * The figures.
     *
     * @param pythonSamplesPerSecond the same encoders in a Python onnxruntime loop (HF tokenizers,
     *                               Pillow), or NaN when {@link #pythonSkipped} says why not
     */
    public record Result(Settings settings, double pipelineSamplesPerSecond, double bareSamplesPerSecond,
                         double pythonSamplesPerSecond, String pythonSkipped, Memory small, Memory large) {
        /** Pipeline time per sample over bare-loop time per sample. */
        public double ratio() {
            return bareSamplesPerSecond / pipelineSamplesPerSecond;
        }

        /** Lines for the format string below ({@code %n} line ends, numbers already formatted). */
        private String pythonLines() {
            if (pythonSkipped != null) {
                return "  Python onnxruntime loop: skipped (" + pythonSkipped.replace("%", "%%") + ")%n";
            }
            return "  Python loop (onnxruntime, HF tokenizers, Pillow; same models) : "
                    + String.format(Locale.ROOT, "%8.1f", pythonSamplesPerSecond) + " samples/s%n"
                    + "  ratio pipeline time / Python loop time                        : "
                    + String.format(Locale.ROOT, "%8.3f", pythonSamplesPerSecond / pipelineSamplesPerSecond) + "%n";
        }

        public String format() {
            return String.format(Locale.ROOT,
                    "bench extract: demo dataset, text %s (max length %d) + image %s, batch %d, ORT threads %s, "
                            + "%d decode/tokenize workers, %d samples, median of %d alternating runs each%n"
                            + "  full pipeline (read, decode, tokenize, sessions, Arrow, files): %8.1f samples/s%n"
                            + "  bare session loop (same sessions, inputs prepared in memory) : %8.1f samples/s%n"
                            + "  ratio pipeline time / bare time                               : %8.3f%n"
                            + pythonLines()
                            + "  peak memory, pipeline in a fresh JVM (heap fixed at %s and pre-touched):%n"
                            + "    %6d samples: peak RSS %7.1f MiB, peak heap after GC %6.1f MiB (%.1f samples/s)%n"
                            + "    %6d samples: peak RSS %7.1f MiB, peak heap after GC %6.1f MiB (%.1f samples/s)%n"
                            + "  RSS growth %.1f%% for %.1fx the samples",
                    Encoders.DEFAULT_TEXT, ExtractionOptions.DEFAULT_MAX_LENGTH, Encoders.DEFAULT_IMAGE,
                    settings.batchSize(), settings.threads() == 0 ? "all cores" : settings.threads(), settings.workers(),
                    settings.samples(), settings.rounds(), pipelineSamplesPerSecond, bareSamplesPerSecond, ratio(), settings.childHeap(),
                    small.samples(), small.peakRssKb() / 1024.0, small.peakHeapAfterGcKb() / 1024.0,
                    small.samplesPerSecond(), large.samples(), large.peakRssKb() / 1024.0,
                    large.peakHeapAfterGcKb() / 1024.0, large.samplesPerSecond(),
                    100.0 * (large.peakRssKb() - small.peakRssKb()) / small.peakRssKb(),
                    (double) large.samples() / small.samples());
        }
    }

    /** The engine comparison: the same samples through the local pipeline and through another engine. */
    public record EngineComparison(Settings settings, String engine, Map<String, String> engineSettings, int shardSize,
                                   double localSamplesPerSecond, double engineSamplesPerSecond,
                                   double engineWallSamplesPerSecond) {
        /** Engine throughput over local throughput. */
        public double speedup() {
            return engineSamplesPerSecond / localSamplesPerSecond;
        }

        public String format() {
            return String.format(Locale.ROOT,
                    "bench extract --engine %s: demo dataset, text %s (max length %d) + image %s, batch %d, shards of %d, "
                            + "ORT threads %s, %d samples, median of %d alternating runs each%n"
                            + "  engine settings: %s%n"
                            + "  local pipeline (this JVM, %d decode/tokenize workers)   : %8.1f samples/s%n"
                            + "  %-5s job (split start to end; tasks open the sessions): %8.1f samples/s%n"
                            + "  %-5s whole run (with Spark's start and the driver)    : %8.1f samples/s%n"
                            + "  ratio %-5s job / local pipeline                       : %8.3f",
                    engine, Encoders.DEFAULT_TEXT, ExtractionOptions.DEFAULT_MAX_LENGTH, Encoders.DEFAULT_IMAGE,
                    settings.batchSize(), shardSize, settings.threads() == 0 ? "all cores" : settings.threads(),
                    settings.samples(), settings.rounds(), engineSettings, settings.workers(), localSamplesPerSecond,
                    engine, engineSamplesPerSecond, engine, engineWallSamplesPerSecond, engine, speedup());
        }
    }

    private ExtractBenchmark() {
    }

    /**
     * The same {@code s.samples()} demo samples extracted by the local pipeline and by
     * {@code engine}, alternating, {@code s.rounds()} times each (after one untimed run of each):
     * samples per second between the start and the end of the split (both), and of the whole call
     * (the engine). Stores are cut in shards of {@code shardSize} so that a distributed engine has
     * partitions to spread.
     */
    public static EngineComparison compareEngines(Settings s, ExtractionEngine engine, Map<String, String> engineSettings,
                                                  int shardSize) throws Exception {
        Files.createDirectories(s.workDir());
        Path data = s.workDir().resolve("demo-" + s.samples());
        DemoDataset.prepare(data, new DemoDataset.Spec(s.samples(), 0, 0, 7));
        ExtractionOptions opts = withShardSize(options(JsonlDataset.open(data), s.batchSize(), s.threads(), s.workers(),
                s.samples()), shardSize);
        Path store = s.workDir().resolve("store-engines");
        timePipeline(store, opts);
        timeEngine(store, opts, engine, engineSettings);
        double[] local = new double[s.rounds()];
        double[] job = new double[s.rounds()];
        double[] wall = new double[s.rounds()];
        for (int i = 0; i < s.rounds(); i++) {
            local[i] = timePipeline(store, opts);
            double[] e = timeEngine(store, opts, engine, engineSettings);
            job[i] = e[0];
            wall[i] = e[1];
        }
        return new EngineComparison(s, engine.name(), engineSettings, shardSize, median(local), median(job), median(wall));
    }

    private static ExtractionOptions withShardSize(ExtractionOptions o, int shardSize) {
        return new ExtractionOptions(o.dataset(), o.text(), o.image(), o.imagePreprocessing(), o.maxLength(), o.device(),
                o.threads(), o.workers(), o.batchSize(), shardSize, o.textPooling(), o.imagePooling(), o.precision(),
                o.strict(), o.splits(), o.limit());
    }

    /** {samples/s from split start to end, samples/s of the whole call}. */
    private static double[] timeEngine(Path store, ExtractionOptions o, ExtractionEngine engine,
                                       Map<String, String> settings) throws Exception {
        deleteTree(store);
        Span span = new Span();
        long t0 = System.nanoTime();
        engine.run(store, o, EncoderChoice.defaults(), settings, span);
        double wall = (System.nanoTime() - t0) / 1e9;
        deleteTree(store);
        return new double[] {span.rate(), span.samples / wall};
    }

    /** Times the span between a split's start and end. */
    private static final class Span implements ProgressListener {
        long start;
        long end;
        long samples;

        @Override
        public void splitStarted(String split, long total, long done) {
            start = System.nanoTime();
            samples = total - done;
        }

        @Override
        public void advanced(long n) {
        }

        @Override
        public void splitFinished(String split, long rows, long errors) {
            end = System.nanoTime();
        }

        double rate() {
            return samples / ((end - start) / 1e9);
        }
    }

    public static Result run(Settings s) throws Exception {
        Files.createDirectories(s.workDir());
        int datasetSize = Math.max(s.samples(), s.largeSize());
        Path data = s.workDir().resolve("demo-" + datasetSize);
        DemoDataset.prepare(data, new DemoDataset.Spec(datasetSize, 0, 0, 7));

        ExtractionOptions opts = options(JsonlDataset.open(data), s.batchSize(), s.threads(), s.workers(), s.samples());
        // warm up the JIT and page cache with a short run; then alternate the two measurements
        // (this machine's speed drifts) and compare medians. Both start from freshly created
        // sessions: no untimed warm-up on either side.
        timePipeline(s.workDir().resolve("warmup"), options(opts.dataset(), s.batchSize(), s.threads(), s.workers(),
                Math.min(s.samples(), 2L * s.batchSize())));
        PythonLoop python = PythonLoop.prepare(opts, s.workDir().resolve("python"), data, s.samples());
        double[] pipelineRuns = new double[s.rounds()];
        double[] bareRuns = new double[s.rounds()];
        double[] pythonRuns = new double[s.rounds()];
        for (int i = 0; i < s.rounds(); i++) {
            pipelineRuns[i] = timePipeline(s.workDir().resolve("store-throughput"), opts);
            bareRuns[i] = SessionLoop.samplesPerSecond(opts, "train", s.samples(), 0);
            pythonRuns[i] = python.skipped() == null ? python.samplesPerSecond() : Double.NaN;
        }
        double pipeline = median(pipelineRuns);
        double bare = median(bareRuns);

        Memory small = child(s, data, s.smallSize());
        Memory large = child(s, data, s.largeSize());
        return new Result(s, pipeline, bare, median(pythonRuns), python.skipped(), small, large);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static ExtractionOptions options(Dataset ds, int batch, int threads, int workers, long limit) {
        ImageEncoderSpec image = Encoders.image(Encoders.DEFAULT_IMAGE, null);
        return new ExtractionOptions(ds, Encoders.text(Encoders.DEFAULT_TEXT, null), image, image.preprocessing(),
                ExtractionOptions.DEFAULT_MAX_LENGTH, ExecutionDevice.CPU, threads, workers, batch,
                ExtractionOptions.DEFAULT_SHARD_SIZE, Pooling.NONE, Pooling.NONE, Precision.FLOAT32, true,
                List.of("train"), limit);
    }

    /** Samples per second of the pipeline between the first and the last sample of the split. */
    static double timePipeline(Path store, ExtractionOptions o) throws Exception {
        deleteTree(store);
        Span span = new Span();
        Extractor.run(store, o, span);
        deleteTree(store);
        return span.rate();
    }

    private static Memory child(Settings s, Path data, int samples) throws IOException, InterruptedException {
        Path store = s.workDir().resolve("store-" + samples);
        deleteTree(store);
        String java = ProcessHandle.current().info().command().orElse("java");
        // fixed, pre-touched heap: its pages are resident from the start, so RSS growth shows
        // native memory (Arrow buffers, ONNX Runtime arenas, malloc) growing with the dataset
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms" + s.childHeap(), "-Xmx" + s.childHeap(),
                "-XX:+AlwaysPreTouch",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ChildMain.class.getName(), data.toString(), store.toString(), Integer.toString(samples),
                Integer.toString(s.batchSize()), Integer.toString(s.threads()), Integer.toString(s.workers())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("benchmark child JVM failed:\n" + out);
        }
        deleteTree(store);
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.trim().split(" ");
                return new Memory(samples, Double.parseDouble(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
            }
        }
        throw new IllegalStateException("benchmark child JVM printed no result:\n" + out);
    }

    /** Runs the pipeline once and prints {@code RESULT samples/s peakRssKb peakHeapAfterGcKb}. */
    public static final class ChildMain {
        private ChildMain() {
        }

        public static void main(String[] args) throws Exception {
            Path data = Path.of(args[0]);
            Path store = Path.of(args[1]);
            int samples = Integer.parseInt(args[2]);
            HeapWatcher heap = new HeapWatcher();
            heap.start();
            double rate = timePipeline(store, options(JsonlDataset.open(data), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), samples));
            heap.interrupt();
            System.out.printf(Locale.ROOT, "RESULT %.3f %d %d%n", rate, vmHwmKb(), heap.peakKb);
        }
    }

    /** Polls the heap pools' usage after the last collection and keeps the maximum. */
    private static final class HeapWatcher extends Thread {
        volatile long peakKb;

        HeapWatcher() {
            setDaemon(true);
        }

        @Override
        public void run() {
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null).toList();
            while (!isInterrupted()) {
                long sum = 0;
                for (MemoryPoolMXBean p : pools) {
                    MemoryUsage u = p.getCollectionUsage();
                    sum += u == null ? 0 : u.getUsed();
                }
                peakKb = Math.max(peakKb, sum / 1024);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    static long vmHwmKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
