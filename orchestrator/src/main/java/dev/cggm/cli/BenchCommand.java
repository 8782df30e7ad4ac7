package dev.cggm.cli;

import dev.cggm.bench.StepBenchmark;
import dev.cggm.onnx.models.Presets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cggm bench …}: benchmarks that print ratios measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks; each prints the figures and their ratio, measured in one run.",
        subcommands = {BenchCommand.Step.class, BenchCommand.Train.class, BenchCommand.Extract.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "step", mixinStandardHelpOptions = true,
            description = "Time one training step (forward + backward, one ONNX Runtime run of training_model.onnx) "
                    + "against one forward pass of eval_model.onnx on the same batch; print both and their ratio.")
    static final class Step implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "food101", description = "Model preset (default: ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = "--batch", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--iterations", defaultValue = "5", description = "Timed runs of each model (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--no-dropout", description = "Time the training model without dropout.")
        boolean noDropout;

        @Option(names = "--input", paramLabel = "NAME=DIM[xLEN]", description = "Override a modality's width/length.")
        Map<String, String> inputs;

        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
        int threads;

        @Option(names = "--profile", paramLabel = "DIR",
                description = "Write ONNX Runtime per-node profiles (JSON, chrome://tracing format) into DIR.")
        java.nio.file.Path profile;

        @Override
        public Integer call() throws Exception {
            if (batch <= 0 || iterations <= 0 || warmup < 0) {
                throw new IllegalArgumentException("--batch and --iterations must be > 0, --warmup >= 0");
            }
            var cfg = ArtifactsCommand.configure(Presets.get(preset), inputs, null);
            StepBenchmark.Result r = StepBenchmark.run(cfg, batch, iterations, warmup, !noDropout, threads, profile);
            System.out.println(r.format(preset));
            return 0;
        }
    }

    @Command(name = "extract", mixinStandardHelpOptions = true,
            description = "Feature extraction on the demo dataset with the default encoders: samples/s of the full "
                    + "pipeline and of a bare loop of the same sessions on inputs prepared in memory, their ratio, "
                    + "and peak memory of the pipeline at two dataset sizes (each in a fresh JVM). With --engine spark: "
                    + "samples/s of a Spark job (--master, default local[2]) against the local pipeline on the same "
                    + "samples, and their ratio.")
    static final class Extract implements Callable<Integer> {
        @Option(names = "--samples", defaultValue = "1024", description = "Samples timed both ways (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--rounds", defaultValue = "3", description = "Alternating timed runs of each (median; default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--sizes", defaultValue = "500,2000", split = ",", paramLabel = "SMALL,LARGE",
                description = "Dataset sizes of the memory runs (default: ${DEFAULT-VALUE}).")
        int[] sizes;

        @Option(names = "--batch-size", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
        int threads;

        @Option(names = "--workers", description = "Decode/tokenize threads (default: half the cores, at least 1).")
        Integer workers;

        @Option(names = "--child-heap", defaultValue = "512m",
                description = "Fixed, pre-touched heap (-Xms = -Xmx) of the memory-run JVMs (default: ${DEFAULT-VALUE}).")
        String childHeap;

        @Option(names = "--work-dir", description = "Where the demo data and scratch stores go (default: a temp directory).")
        java.nio.file.Path workDir;

        @Option(names = "--engine", defaultValue = "local", paramLabel = "local|spark",
                description = "spark: compare a Spark job (--master, default local[2]) with the local pipeline on the "
                        + "same samples instead (default: ${DEFAULT-VALUE}).")
        String engine;

        @Option(names = "--master", defaultValue = "local[2]", paramLabel = "URL",
                description = "--engine spark: the Spark master (default: ${DEFAULT-VALUE}).")
        String master;

        @Option(names = "--shard-size", defaultValue = "128", paramLabel = "N",
                description = "--engine spark: entries per shard = per Spark partition, for both engines "
                        + "(default: ${DEFAULT-VALUE}).")
        int shardSize;

        @Override
        public Integer call() throws Exception {
            if (rounds <= 0) {
                throw new IllegalArgumentException("--rounds must be > 0");
            }
            if (!engine.equals(dev.cggm.features.pipeline.ExtractionEngines.LOCAL)) {
                if (samples <= 0 || shardSize <= 0) {
                    throw new IllegalArgumentException("--samples and --shard-size must be > 0");
                }
                var runner = dev.cggm.features.pipeline.ExtractionEngines.get(engine);
                java.nio.file.Path dir = workDir != null ? workDir
                        : java.nio.file.Files.createTempDirectory("cggm-bench-extract");
                var settings = new dev.cggm.features.bench.ExtractBenchmark.Settings(samples, rounds, 0, 0, batch,
                        threads, workers != null ? workers : dev.cggm.features.pipeline.ExtractionOptions.defaultWorkers(),
                        childHeap, dir);
                System.out.println(dev.cggm.features.bench.ExtractBenchmark.compareEngines(settings, runner,
                        Map.of("spark.master", master), shardSize).format());
                return 0;
            }
            if (samples <= 0 || sizes.length != 2 || sizes[0] <= 0 || sizes[1] <= sizes[0]) {
                throw new IllegalArgumentException("--samples must be > 0 and --sizes two increasing sizes, e.g. 500,2000");
            }
            java.nio.file.Path dir = workDir != null ? workDir : java.nio.file.Files.createTempDirectory("cggm-bench-extract");
            var settings = new dev.cggm.features.bench.ExtractBenchmark.Settings(samples, rounds, sizes[0], sizes[1], batch,
                    threads, workers != null ? workers : dev.cggm.features.pipeline.ExtractionOptions.defaultWorkers(),
                    childHeap, dir);
            System.out.println(dev.cggm.features.bench.ExtractBenchmark.run(settings).format());
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Time whole training steps of joint training and of CGGM on identical batches of a preset, "
                    + "and — with python3-torch installed — the PyTorch reference CGGM step on the same batches and "
                    + "dropout masks (brats: the same U-Net's step in PyTorch on 160x160 slices); print the medians and their ratios.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "food101", description = "Model preset (default: ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = "--batch", description = "Batch size (default: 32; brats: 8).")
        Integer batch;

        @Option(names = "--steps", defaultValue = "5", description = "Timed steps per method (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--threads", defaultValue = "0", description = "Threads for both frameworks (0 = all cores).")
        int threads;

        @Option(names = "--no-torch", description = "Skip the PyTorch reference.")
        boolean noTorch;

        @Override
        public Integer call() throws Exception {
            if ((batch != null && batch <= 0) || steps <= 0 || warmup < 0) {
                throw new IllegalArgumentException("--batch and --steps must be > 0, --warmup >= 0");
            }
            System.out.println(dev.cggm.bench.TrainBenchmark.run(preset, batch, steps, warmup, threads, !noTorch).format());
            return 0;
        }
    }
}
