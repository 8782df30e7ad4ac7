package dev.cggm.server;

import dev.cggm.api.v1.ImportFormat;
import dev.cggm.api.v1.ImportOptions;
import dev.cggm.api.v1.TableModality;
import dev.cggm.features.imports.IemocapSource;
import dev.cggm.features.imports.ImportSource;
import dev.cggm.features.imports.MosiSource;
import dev.cggm.features.imports.TableSource;
import dev.cggm.features.store.StoreManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@link ImportOptions} (the API's form of {@code ./cggm import}'s options) checked field by field
 * and resolved with the CLI's defaults; opening the files is work for the job thread
 * ({@link #open}), not for the request.
 */
final class ImportOptionsMapper {
    private static final List<String> SPLITS = List.of("train", "validation", "test");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private ImportOptionsMapper() {
    }

    /** The options with defaults filled in; INVALID_ARGUMENT naming the first bad field. */
    static ImportOptions resolve(ImportOptions o, DataDirectory data) {
        ImportOptions.Builder b = o.toBuilder();
        if (o.getFormat() == ImportFormat.IMPORT_FORMAT_UNSPECIFIED || o.getFormat() == ImportFormat.UNRECOGNIZED) {
            throw ApiErrors.invalid("options.format", "required: IMPORT_FORMAT_MOSI, IMPORT_FORMAT_IEMOCAP or "
                    + "IMPORT_FORMAT_TABLE");
        }
        Path dataset = data.resolve("options.dataset", o.getDataset());
        boolean file = o.getFormat() == ImportFormat.IMPORT_FORMAT_MOSI;
        if (file ? !Files.isRegularFile(dataset) : !Files.isDirectory(dataset)) {
            throw ApiErrors.invalid("options.dataset", "'" + o.getDataset() + "' is not a " + (file ? "file" : "directory")
                    + " in the data directory");
        }
        b.setShardSize(o.hasShardSize() ? TrainOptionsMapper.range("options.shard_size", o.getShardSize(), 1, 10_000_000)
                : dev.cggm.features.imports.ImportOptions.DEFAULT_SHARD_SIZE);
        b.setBatchRows(o.hasBatchRows() ? TrainOptionsMapper.range("options.batch_rows", o.getBatchRows(), 1, 1_000_000)
                : dev.cggm.features.imports.ImportOptions.DEFAULT_BATCH_ROWS);
        b.setPrecision(ExtractionOptionsMapper.precision("options.precision", o.getPrecision()));
        for (String s : o.getSplitsList()) {
            if (!SPLITS.contains(s)) {
                throw ApiErrors.invalid("options.splits", "'" + s + "' is not a store split (" + SPLITS + ")");
            }
        }
        if (o.getLimit() < 0) {
            throw ApiErrors.invalid("options.limit", "must be >= 0, got " + o.getLimit());
        }
        b.setCv(o.hasCv() ? TrainOptionsMapper.range("options.cv", o.getCv(), 1, 10) : 1);
        String norm = o.getNorm().isBlank() ? "trn" : o.getNorm().strip();
        if (!norm.equals("trn") && !norm.equals("utt")) {
            throw ApiErrors.invalid("options.norm", "must be trn or utt, got '" + o.getNorm() + "'");
        }
        b.setNorm(norm);
        for (String n : o.getLabelNamesList()) {
            if (n.isBlank()) {
                throw ApiErrors.invalid("options.label_names", "names must not be empty");
            }
        }
        if (o.getFormat() == ImportFormat.IMPORT_FORMAT_TABLE) {
            table(o, b);
        }
        return b.build();
    }

    private static void table(ImportOptions o, ImportOptions.Builder b) {
        b.setIdColumn(o.getIdColumn().isBlank() ? "id" : o.getIdColumn());
        b.setTargetColumn(o.getTargetColumn().isBlank() ? "label" : o.getTargetColumn());
        if (!o.getTask().isBlank() && !o.getTask().equals(StoreManifest.TaskInfo.CLASSIFICATION)
                && !o.getTask().equals(StoreManifest.TaskInfo.REGRESSION)) {
            throw ApiErrors.invalid("options.task", "must be classification or regression, got '" + o.getTask() + "'");
        }
        if (o.getModalitiesCount() == 0) {
            throw ApiErrors.invalid("options.modalities", "a table import needs at least one modality");
        }
        Set<String> names = new HashSet<>();
        b.clearModalities();
        for (TableModality m : o.getModalitiesList()) {
            if (!NAME.matcher(m.getName()).matches() || !names.add(m.getName())) {
                throw ApiErrors.invalid("options.modalities", "'" + m.getName() + "' is not a new modality name "
                        + "(letters, digits, _ . -)");
            }
            if (m.getShapeCount() > 2 || m.getShapeList().stream().anyMatch(d -> d <= 0)) {
                throw ApiErrors.invalid("options.modalities", m.getName() + ".shape must be [D] or [L, D] of "
                        + "positive sizes, got " + m.getShapeList());
            }
            b.addModalities(m.getColumn().isBlank() ? m.toBuilder().setColumn(m.getName()).build() : m);
        }
        if (o.getTargetRangeCount() != 0 && (o.getTargetRangeCount() != 2 || !(o.getTargetRange(0) <= o.getTargetRange(1)))) {
            throw ApiErrors.invalid("options.target_range", "give [min, max] with min <= max, or nothing");
        }
    }

    /** The importer's options for resolved options. */
    static dev.cggm.features.imports.ImportOptions options(ImportOptions o) {
        return new dev.cggm.features.imports.ImportOptions(o.getShardSize(), o.getBatchRows(),
                ExtractionOptionsMapper.storePrecision(o.getPrecision()), o.getStrict(), List.copyOf(o.getSplitsList()),
                o.getLimit());
    }

    /** Opens the source of resolved options (reads and checks the files). */
    static ImportSource open(ImportOptions o, DataDirectory data) throws IOException {
        Path dataset = data.resolve("options.dataset", o.getDataset());
        List<String> labels = o.getLabelNamesCount() == 0 ? null : List.copyOf(o.getLabelNamesList());
        return switch (o.getFormat()) {
            case IMPORT_FORMAT_MOSI -> MosiSource.open(dataset);
            case IMPORT_FORMAT_IEMOCAP -> IemocapSource.open(dataset, o.getCv(), IemocapSource.Norm.parse(o.getNorm()),
                    labels);
            case IMPORT_FORMAT_TABLE -> {
                Map<String, String> columns = new LinkedHashMap<>();
                Map<String, List<Integer>> shapes = new LinkedHashMap<>();
                Map<String, String> lengths = new LinkedHashMap<>();
                for (TableModality m : o.getModalitiesList()) {
                    columns.put(m.getName(), m.getColumn());
                    if (m.getShapeCount() > 0) {
                        shapes.put(m.getName(), List.copyOf(m.getShapeList()));
                    }
                    if (!m.getLengthColumn().isBlank()) {
                        lengths.put(m.getName(), m.getLengthColumn());
                    }
                }
                yield TableSource.open(dataset, new TableSource.Options(o.getIdColumn(), o.getTargetColumn(),
                        o.getTask().isBlank() ? null : o.getTask(), columns, shapes, lengths, labels,
                        o.getTargetName().isBlank() ? null : o.getTargetName(),
                        o.getTargetRangeCount() == 0 ? null : List.copyOf(o.getTargetRangeList())));
            }
            default -> throw new IllegalArgumentException("options.format: unknown value " + o.getFormat());
        };
    }
}
