package dev.cggm.cli;

import dev.cggm.compare.Comparison;
import dev.cggm.compare.ComparisonReport;
import dev.cggm.compare.ComparisonRun;
import dev.cggm.train.run.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cggm compare}: trains every method on the same store and seeds — plus a unimodal row
 * per modality — and reports them side by side (mean ± sd over the seeds).
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train several balancing methods on one feature store with the same seeds, plus a unimodal "
                + "baseline per modality, and report test metrics (mean ± sd), each modality's accuracy, imbalance, "
                + "time per epoch and peak memory side by side (Markdown, JSON, PNG).",
                "Each training runs in its own JVM (its peak memory is its own; a failure is reported in its row)."})
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--features", required = true, paramLabel = "STORE", description = "Feature store (from ./cggm extract).")
    Path features;

    @Option(names = "--preset", defaultValue = "food101", description = "Model sizes and defaults (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--methods", split = ",", paramLabel = "M[@ARCH],...",
            description = "Methods or variants, each optionally on an architecture (default: every registered method "
                    + "and variant, and joint@late-fusion).")
    List<String> methods;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per method: the base seed and the next ones "
            + "(default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--no-unimodal", description = "Leave out the unimodal rows.")
    boolean noUnimodal;

    @Option(names = "--out", description = "Directory for the runs and the report (default: compare-output/<time>).")
    Path out;

    @Option(names = "--json", description = "Print the report rows as one JSON line at the end of stdout.")
    boolean json;

    @Mixin
    TrainingFlags flags;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1 || seeds > 100) {
            throw new IllegalArgumentException("--seeds: must be in 1..100, got " + seeds);
        }
        if (flags.architecture != null) {
            throw new IllegalArgumentException("--architecture: give it per method instead, as METHOD@ARCHITECTURE");
        }
        Path dir = out != null ? out : Path.of("compare-output",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Comparison comparison = TrainCommand.withFlags(() -> Comparison.plan(features.toAbsolutePath(), preset,
                methods == null ? Comparison.defaultMethods() : methods, !noUnimodal, flags.paths()));
        long base = flags.seed != null ? flags.seed : 666;
        List<String> passThrough = flags.cliArgs().stream().toList();
        List<ComparisonRun> runs = comparison.run(dir, base, seeds, without(passThrough, "--seed"), Main.class.getName(),
                line -> System.err.println("compare: " + line));
        ComparisonReport report = comparison.report(runs);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), report.markdown(comparison.preamble(seeds, base)));
        Json.writeAtomically(dir.resolve("report.json"), report.json());
        report.png(dir.resolve("report.png"));
        System.out.println(report.table());
        System.out.println("report: " + dir.resolve("report.md") + " (and report.json, report.png; runs in "
                + dir.resolve("runs") + ")");
        if (json) {
            System.out.println(Json.LINES.writeValueAsString(report.json()));
        }
        return runs.stream().allMatch(ComparisonRun::succeeded) ? 0 : 1;
    }

    /** The arguments without a flag and its value. */
    private static List<String> without(List<String> args, String flag) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(flag)) {
                i++;
                continue;
            }
            out.add(args.get(i));
        }
        return out;
    }
}
