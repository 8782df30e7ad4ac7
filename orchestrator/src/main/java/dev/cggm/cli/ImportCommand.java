package dev.cggm.cli;

import dev.cggm.features.FeatureException;
import dev.cggm.features.imports.IemocapSource;
import dev.cggm.features.imports.ImportFormat;
import dev.cggm.features.imports.ImportOptions;
import dev.cggm.features.imports.ImportSource;
import dev.cggm.features.imports.Importer;
import dev.cggm.features.imports.MosiSource;
import dev.cggm.features.imports.TableSource;
import dev.cggm.features.pipeline.ConsoleProgress;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.store.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cggm import}: features a user already has (MOSI/MOSEI pickle, IEMOCAP MMIN layout, Parquet/Arrow tables) → a feature store. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Import existing features into a feature store (Arrow IPC shards + manifest.json), with the "
                + "same resuming, checksums and bad-row listing as extract. Re-running the same command resumes."})
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--format", required = true, paramLabel = "mosi|iemocap|table",
            description = "mosi: CMU-MOSI/MOSEI pickle as the CGGM/MulT code reads it; iemocap: the MMIN layout "
                    + "(A/, V/, L/, target/); table: Parquet or Arrow files per split.")
    String format;

    @Option(names = "--dataset", required = true, paramLabel = "PATH",
            description = "The pickle (mosi), the MMIN root directory (iemocap), or the directory of tables (table).")
    Path dataset;

    @Option(names = "--out", required = true, paramLabel = "STORE", description = "Feature store directory.")
    Path out;

    @Option(names = "--shard-size", defaultValue = "1024", paramLabel = "N",
            description = "Entries per shard file (default: ${DEFAULT-VALUE}).")
    int shardSize;

    @Option(names = "--batch-rows", defaultValue = "64", paramLabel = "N",
            description = "Rows per Arrow record batch (default: ${DEFAULT-VALUE}).")
    int batchRows;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "float32|float16",
            description = "Storage precision (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--split", paramLabel = "NAME", description = "Only these store splits (train, validation, test; repeatable).")
    List<String> splits;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "At most N entries per split (0 = all).")
    long limit;

    @Option(names = "--strict", description = "Fail on the first bad row instead of skipping it.")
    boolean strict;

    @Option(names = "--cv", defaultValue = "1", paramLabel = "1..10",
            description = "iemocap: cross-validation fold under target/ (default: ${DEFAULT-VALUE}).")
    int cv;

    @Option(names = "--norm", defaultValue = "trn", paramLabel = "trn|utt",
            description = "iemocap: audio normalisation, the fold's mean/std (trn, default, as the CGGM code) or per "
                    + "utterance (utt).")
    String norm;

    @Option(names = "--label-names", split = ",", paramLabel = "A,B,…",
            description = "Class names in index order (iemocap: the files carry none, default class_0…; table: "
                    + "default labels.txt or the train split's sorted names).")
    List<String> labelNames;

    @Option(names = "--id-column", defaultValue = "id", paramLabel = "COLUMN", description = "table: id column (default: ${DEFAULT-VALUE}).")
    String idColumn;

    @Option(names = "--target-column", defaultValue = "label", paramLabel = "COLUMN",
            description = "table: target column (default: ${DEFAULT-VALUE}).")
    String targetColumn;

    @Option(names = "--task", paramLabel = "classification|regression",
            description = "table: the task (default: regression for a float target, else classification).")
    String task;

    @Option(names = "--modality", paramLabel = "NAME[=COLUMN]",
            description = "table: a modality and its column (default column: NAME); repeat in model order.")
    List<String> modalities;

    @Option(names = "--shape", paramLabel = "NAME=LxD|D",
            description = "table: a modality's per-sample shape when it is not inferred from the first row (e.g. a flat "
                    + "list holding [L, D] row-major).")
    Map<String, String> shapes;

    @Option(names = "--length-column", paramLabel = "NAME=COLUMN",
            description = "table: an integer column with a modality's real positions.")
    Map<String, String> lengthColumns;

    @Option(names = "--target-name", paramLabel = "NAME", description = "table, regression: what the value is (default: the column).")
    String targetName;

    @Option(names = "--target-range", split = ",", paramLabel = "MIN,MAX",
            description = "table, regression: the values' documented range; rows outside it are bad rows.")
    List<Double> targetRange;

    @Override
    public Integer call() throws Exception {
        ImportFormat fmt = ImportFormat.parse(format);
        ImportOptions options = new ImportOptions(shardSize, batchRows, Precision.parse(precision), strict, splits, limit);
        try (ImportSource source = open(fmt)) {
            ExtractionResult r = Importer.run(out, source, options, ConsoleProgress.auto("import"));
            System.out.printf(Locale.ROOT, "feature store %s (%s import, %s, %d modalities, %.1f s)%n", r.store(),
                    fmt.id(), source.task().type(), source.modalities().size(), r.seconds());
            r.splits().forEach((split, s) -> System.out.printf(Locale.ROOT,
                    "  %-10s %6d entries  %6d rows  %4d bad (skipped, listed in manifest.json)%s%n", split, s.samples(),
                    s.rows(), s.errors(), s.resumedShards() > 0 ? "  [" + s.resumedShards() + " shards resumed]" : ""));
        }
        return 0;
    }

    private ImportSource open(ImportFormat fmt) throws java.io.IOException {
        return switch (fmt) {
            case MOSI -> MosiSource.open(dataset);
            case IEMOCAP -> IemocapSource.open(dataset, cv, IemocapSource.Norm.parse(norm), labelNames);
            case TABLE -> TableSource.open(dataset, tableOptions());
        };
    }

    private TableSource.Options tableOptions() {
        if (modalities == null || modalities.isEmpty()) {
            throw new FeatureException("--format table needs --modality NAME[=COLUMN] for each modality");
        }
        Map<String, String> columns = new LinkedHashMap<>();
        for (String m : modalities) {
            int eq = m.indexOf('=');
            columns.put(eq < 0 ? m : m.substring(0, eq), eq < 0 ? m : m.substring(eq + 1));
        }
        Map<String, List<Integer>> parsedShapes = new LinkedHashMap<>();
        if (shapes != null) {
            shapes.forEach((name, spec) -> parsedShapes.put(name, shape(name, spec)));
        }
        return new TableSource.Options(idColumn, targetColumn, task, columns, parsedShapes, lengthColumns, labelNames,
                targetName, targetRange);
    }

    private static List<Integer> shape(String name, String spec) {
        List<Integer> dims = new ArrayList<>();
        for (String p : spec.toLowerCase(Locale.ROOT).split("x")) {
            try {
                dims.add(Integer.parseInt(p.trim()));
            } catch (NumberFormatException e) {
                throw new FeatureException("--shape " + name + "=" + spec + ": expected LxD or D, e.g. 50x300");
            }
        }
        return dims;
    }
}
