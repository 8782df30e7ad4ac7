package dev.cggm.compare;

import dev.cggm.train.TrainResult;
import dev.cggm.train.run.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one {@code cggm train} in a fresh JVM (same classpath and JVM flags as this one), so each
 * training's peak memory is its own and a failing one cannot take the others down; its summary
 * is the JSON line it prints last.
 */
final class ChildTraining {
    private final String mainClass;

    ChildTraining(String mainClass) {
        this.mainClass = mainClass;
    }

    /** Runs {@code train} with {@code args} (without the verb), its output going to {@code log}. */
    ComparisonRun run(ComparisonEntry entry, long seed, List<String> args, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Xmx") || a.startsWith("-Dcggm.")).toList());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.add("train");
        cmd.addAll(args);
        cmd.add("--json");
        cmd.add("--quiet");
        Path out = log.resolveSibling(log.getFileName() + ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        int code = p.waitFor();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (last.startsWith("{")) {
            TrainResult r = Json.FILES.readValue(last, TrainResult.class);
            double perEpoch = r.epochs() > 0 ? r.seconds() / r.epochs() : Double.NaN;
            return new ComparisonRun(entry, seed, r, perEpoch, r.error());
        }
        String error = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("error: "))
                .map(l -> l.substring("error: ".length())).findFirst().orElse("exit code " + code + " (see " + log + ")");
        return new ComparisonRun(entry, seed, null, Double.NaN, error);
    }
}
