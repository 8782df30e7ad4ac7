package dev.cggm.features.imports;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.StoreManifest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Generic tables — what pandas, pyarrow or Spark write: Parquet or Arrow IPC files with an id
 * column, a target column and one column per modality (list, large_list or fixed_size_list of
 * floats: a flat list is a vector [D], or [L, D] row-major when {@code --shape} says so; a list
 * of equal-length lists is [L, D]). Every row of a modality must have the same shape (pad
 * beforehand; an optional length column gives real positions).
 *
 * <p>Splits: {@code DIR/<split>.parquet|.arrow|.feather|.ipc}, or every table file under
 * {@code DIR/<split>/} or {@code DIR/split=<split>/} (Spark's layouts), for split names
 * {@code train}, {@code validation} (also {@code valid}, {@code val}, {@code dev}) and {@code test}.
 *
 * <p>Targets: classification takes class names (strings; the sorted names of the train split
 * unless {@code --label-names} or {@code DIR/labels.txt} lists them) or class indices (integers;
 * {@code max + 1} classes of the train split unless names are given); regression takes numbers.
 * The task is inferred from the target column's type (floats: regression) unless given.
 */
public final class TableSource implements ImportSource {
    /** Store split and the directory/file names it may have. */
    private static final Map<String, List<String>> SPLIT_NAMES = new LinkedHashMap<>();

    static {
        SPLIT_NAMES.put("train", List.of("train"));
        SPLIT_NAMES.put("validation", List.of("validation", "valid", "val", "dev"));
        SPLIT_NAMES.put("test", List.of("test"));
    }

    /**
     * What the table's columns mean.
     *
     * @param idColumn      sample ids
     * @param targetColumn  class name or index, or regression value
     * @param task          {@code classification}, {@code regression}, or null to infer it from the column type
     * @param modalities    modality name → column, in store order
     * @param shapes        modality → per-sample shape ([D] or [L, D]) when not inferred from the first row
     * @param lengthColumns modality → integer column of real positions
     * @param labelNames    class names in index order, or null
     * @param targetName    what a regression value is (default: the column name)
     * @param targetRange   documented [min, max] of regression values, or null
     */
    public record Options(String idColumn, String targetColumn, String task, Map<String, String> modalities,
                          Map<String, List<Integer>> shapes, Map<String, String> lengthColumns, List<String> labelNames,
                          String targetName, List<Double> targetRange) {
        public Options {
            if (modalities == null || modalities.isEmpty()) {
                throw new FeatureException("a table import needs at least one --modality NAME[=COLUMN]");
            }
            modalities = new LinkedHashMap<>(modalities);
            shapes = shapes == null ? Map.of() : Map.copyOf(shapes);
            lengthColumns = lengthColumns == null ? Map.of() : Map.copyOf(lengthColumns);
            for (String m : shapes.keySet()) {
                require(modalities.containsKey(m), "--shape " + m + "=…: no such --modality");
            }
            for (String m : lengthColumns.keySet()) {
                require(modalities.containsKey(m), "--length-column " + m + "=…: no such --modality");
            }
            if (targetRange != null) {
                require(targetRange.size() == 2 && targetRange.get(0) <= targetRange.get(1),
                        "--target-range needs MIN,MAX with MIN <= MAX");
            }
            if (task != null) {
                require(task.equals(StoreManifest.TaskInfo.CLASSIFICATION) || task.equals(StoreManifest.TaskInfo.REGRESSION),
                        "--task must be classification or regression, got " + task);
            }
        }
    }

    private final Path dir;
    private final Options o;
    private final Map<String, List<Path>> files = new LinkedHashMap<>();
    private final Map<String, Long> sizes = new LinkedHashMap<>();
    private final List<StoreManifest.ModalityInfo> modalities = new ArrayList<>();
    private final Map<String, int[]> shapes = new LinkedHashMap<>();
    private final BufferAllocator allocator = new RootAllocator();
    private StoreManifest.TaskInfo task;
    private List<String> labelNames = List.of();
    private Map<String, Integer> labelIndex = Map.of();

    private TableSource(Path dir, Options o) {
        this.dir = dir;
        this.o = o;
    }

    /** Finds the splits' files, checks the columns, infers shapes and classes (one pass over the target column). */
    public static TableSource open(Path dir, Options options) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FeatureException("--dataset " + dir + ": not a directory (the table format expects "
                    + "<split>.parquet/.arrow files or <split>/ directories of them)");
        }
        TableSource s = new TableSource(dir, options);
        try {
            s.load();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void load() throws IOException {
        for (Map.Entry<String, List<String>> e : SPLIT_NAMES.entrySet()) {
            List<Path> found = find(e.getValue());
            if (!found.isEmpty()) {
                files.put(e.getKey(), found);
            }
        }
        if (files.isEmpty()) {
            throw new FeatureException(dir + " has no tables: expected train/validation/test as <split>.parquet, "
                    + "<split>.arrow or <split>/ directories of table files");
        }
        Path first = files.values().iterator().next().get(0);
        try (TableFiles t = TableFiles.open(first, null, allocator)) {
            if (!t.next() || t.root().getRowCount() == 0) {
                throw new FeatureException(first + " has no rows");
            }
            inspect(t.root(), first);
        }
        List<String> names = new ArrayList<>();
        long maxIndex = -1;
        TreeSet<String> trainNames = new TreeSet<>();
        for (Map.Entry<String, List<Path>> e : files.entrySet()) {
            long rows = 0;
            for (Path f : e.getValue()) {
                try (TableFiles t = TableFiles.open(f, List.of(o.targetColumn()), allocator)) {
                    while (t.next()) {
                        VectorSchemaRoot root = t.root();
                        FieldVector target = column(root, o.targetColumn(), f);
                        if (e.getKey().equals("train") && task.isClassification()) {
                            for (int r = 0; r < root.getRowCount(); r++) {
                                if (target.isNull(r)) {
                                    continue;
                                }
                                if (target instanceof BaseIntVector n) {
                                    maxIndex = Math.max(maxIndex, n.getValueAsLong(r));
                                } else {
                                    trainNames.add(text(target, r));
                                }
                            }
                        }
                        rows += root.getRowCount();
                    }
                }
            }
            sizes.put(e.getKey(), rows);
        }
        if (task.isClassification()) {
            Path labelsTxt = dir.resolve("labels.txt");
            if (o.labelNames() != null) {
                names.addAll(o.labelNames());
            } else if (Files.isRegularFile(labelsTxt)) {
                Files.readAllLines(labelsTxt).stream().map(String::trim).filter(l -> !l.isEmpty()).forEach(names::add);
            } else if (!trainNames.isEmpty()) {
                names.addAll(trainNames);
            } else {
                for (long i = 0; i <= maxIndex; i++) {
                    names.add(Long.toString(i));
                }
            }
            if (names.isEmpty()) {
                throw new FeatureException(dir + ": no class labels found in the train split's '" + o.targetColumn()
                        + "' column");
            }
            labelNames = List.copyOf(names);
            labelIndex = new LinkedHashMap<>();
            for (int i = 0; i < labelNames.size(); i++) {
                labelIndex.put(labelNames.get(i), i);
            }
        }
    }

    private List<Path> find(List<String> names) throws IOException {
        for (String n : names) {
            for (String ext : List.of(".parquet", ".arrow", ".feather", ".ipc", ".arrows")) {
                Path f = dir.resolve(n + ext);
                if (Files.isRegularFile(f)) {
                    return List.of(f);
                }
            }
            for (Path d : List.of(dir.resolve(n), dir.resolve("split=" + n))) {
                if (Files.isDirectory(d)) {
                    try (Stream<Path> s = Files.list(d)) {
                        List<Path> parts = s.filter(Files::isRegularFile).filter(TableFiles::isTable).sorted().toList();
                        if (!parts.isEmpty()) {
                            return parts;
                        }
                    }
                }
            }
        }
        return List.of();
    }

    /** Checks the columns on the first batch; decides the task and every modality's shape. */
    private void inspect(VectorSchemaRoot root, Path file) {
        column(root, o.idColumn(), file);
        FieldVector target = column(root, o.targetColumn(), file);
        boolean numericTarget = target instanceof FloatingPointVector;
        boolean classTarget = target instanceof BaseIntVector || target instanceof VarCharVector
                || target instanceof LargeVarCharVector;
        if (!numericTarget && !classTarget) {
            throw new FeatureException(file + ": target column '" + o.targetColumn() + "' is "
                    + target.getField().getType() + "; expected class names (strings), class indices (integers) or "
                    + "values (floats)");
        }
        String type = o.task() != null ? o.task() : numericTarget ? StoreManifest.TaskInfo.REGRESSION
                : StoreManifest.TaskInfo.CLASSIFICATION;
        if (type.equals(StoreManifest.TaskInfo.CLASSIFICATION) && numericTarget) {
            throw new FeatureException(file + ": target column '" + o.targetColumn() + "' holds floats; classification "
                    + "needs class names or integer indices (or use --task regression)");
        }
        if (type.equals(StoreManifest.TaskInfo.REGRESSION) && !(numericTarget || target instanceof BaseIntVector)) {
            throw new FeatureException(file + ": regression needs a numeric target column, '" + o.targetColumn()
                    + "' is " + target.getField().getType());
        }
        task = type.equals(StoreManifest.TaskInfo.CLASSIFICATION) ? StoreManifest.TaskInfo.classification()
                : StoreManifest.TaskInfo.regression(o.targetName() != null ? o.targetName() : o.targetColumn(),
                o.targetRange());
        for (Map.Entry<String, String> m : o.modalities().entrySet()) {
            FieldVector v = column(root, m.getValue(), file);
            if (!ListValues.isList(v)) {
                throw new FeatureException(file + ": modality column '" + m.getValue() + "' is "
                        + v.getField().getType() + "; expected a list or fixed-size list of floats");
            }
            int[] shape;
            List<Integer> given = o.shapes().get(m.getKey());
            if (given != null) {
                shape = given.stream().mapToInt(Integer::intValue).toArray();
            } else {
                try {
                    shape = ListValues.shape(v, 0);
                } catch (ListValues.Problem p) {
                    throw new FeatureException(file + ": cannot infer the shape of '" + m.getValue() + "' from its first "
                            + "row (" + p.getMessage() + "); give it with --shape " + m.getKey() + "=LxD");
                }
            }
            if (shape.length == 0 || shape.length > 2 || Arrays.stream(shape).anyMatch(d -> d <= 0)) {
                throw new FeatureException(file + ": modality " + m.getKey() + " has shape " + Arrays.toString(shape)
                        + "; expected [D] or [L, D] with positive sizes");
            }
            String lengthColumn = o.lengthColumns().get(m.getKey());
            if (lengthColumn != null && !(column(root, lengthColumn, file) instanceof BaseIntVector)) {
                throw new FeatureException(file + ": length column '" + lengthColumn + "' is not an integer column");
            }
            shapes.put(m.getKey(), shape);
            modalities.add(StoreManifest.ModalityInfo.imported(m.getKey(), "column " + m.getValue(),
                    Arrays.stream(shape).boxed().toList(), lengthColumn == null ? null : m.getKey() + "_length",
                    "float32"));
        }
    }

    private static FieldVector column(VectorSchemaRoot root, String name, Path file) {
        FieldVector v = root.getVector(name);
        if (v == null) {
            throw new FeatureException(file + " has no column '" + name + "' (columns: "
                    + root.getSchema().getFields().stream().map(f -> f.getName()).toList() + ")");
        }
        return v;
    }

    private static String text(FieldVector v, int row) {
        if (v instanceof VarCharVector s) {
            return new String(s.get(row), StandardCharsets.UTF_8);
        }
        if (v instanceof LargeVarCharVector s) {
            return new String(s.get(row), StandardCharsets.UTF_8);
        }
        return String.valueOf(v.getObject(row));
    }

    @Override
    public String format() {
        return "table";
    }

    @Override
    public Path root() {
        return dir;
    }

    @Override
    public List<Path> inputFiles() {
        List<Path> all = new ArrayList<>();
        files.values().forEach(all::addAll);
        Path labelsTxt = dir.resolve("labels.txt");
        if (task.isClassification() && o.labelNames() == null && Files.isRegularFile(labelsTxt)) {
            all.add(labelsTxt);
        }
        return all;
    }

    @Override
    public StoreManifest.TaskInfo task() {
        return task;
    }

    @Override
    public List<String> labelNames() {
        return labelNames;
    }

    @Override
    public List<StoreManifest.ModalityInfo> modalities() {
        return modalities;
    }

    @Override
    public List<String> splits() {
        return List.copyOf(files.keySet());
    }

    @Override
    public long size(String split) {
        return sizes.get(split);
    }

    @Override
    public Rows rows(String split) {
        List<Path> parts = files.get(split);
        List<String> columns = new ArrayList<>(List.of(o.idColumn(), o.targetColumn()));
        columns.addAll(o.modalities().values());
        columns.addAll(o.lengthColumns().values());
        return new Rows() {
            private int part = -1;
            private TableFiles table;
            private int row;
            private long position;

            @Override
            public boolean hasNext() {
                while (table == null || row >= table.root().getRowCount()) {
                    if (table != null && table.next()) {
                        row = 0;
                        continue;
                    }
                    if (table != null) {
                        table.close();
                        table = null;
                    }
                    if (++part >= parts.size()) {
                        return false;
                    }
                    table = TableFiles.open(parts.get(part), columns.stream().distinct().toList(), allocator);
                    row = Integer.MAX_VALUE; // load the first batch
                }
                return true;
            }

            @Override
            public void skip() {
                hasNext();
                row++;
                position++;
            }

            @Override
            public Entry next() {
                hasNext();
                int r = row++;
                long p = position++;
                Path f = parts.get(part);
                try {
                    return Entry.good(p, row(table.root(), r, f), f);
                } catch (BadSampleException e) {
                    return Entry.bad(p, e);
                }
            }

            @Override
            public void close() {
                if (table != null) {
                    table.close();
                }
            }
        };
    }

    private FeatureRow row(VectorSchemaRoot root, int r, Path file) throws BadSampleException {
        FieldVector idVector = root.getVector(o.idColumn());
        String id = idVector.isNull(r) ? "row " + r + " of " + file.getFileName() : text(idVector, r);
        if (idVector.isNull(r)) {
            throw new BadSampleException(id, file, "null id");
        }
        FieldVector t = root.getVector(o.targetColumn());
        if (t.isNull(r)) {
            throw new BadSampleException(id, file, "null target in '" + o.targetColumn() + "'");
        }
        Number target;
        if (task.isClassification()) {
            if (t instanceof BaseIntVector n) {
                target = n.getValueAsLong(r);
            } else {
                Integer k = labelIndex.get(text(t, r));
                if (k == null) {
                    throw new BadSampleException(id, file, "unknown label '" + text(t, r) + "' (" + labelNames.size()
                            + " known labels, e.g. " + labelNames.subList(0, Math.min(3, labelNames.size())) + ")");
                }
                target = k;
            }
        } else {
            target = t instanceof FloatingPointVector f ? f.getValueAsDouble(r) : ((BaseIntVector) t).getValueAsLong(r);
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : o.modalities().entrySet()) {
            try {
                values.put(m.getKey(), ListValues.read(root.getVector(m.getValue()), r, shapes.get(m.getKey())));
            } catch (ListValues.Problem p) {
                throw new BadSampleException(id, file, "column '" + m.getValue() + "' has " + p.getMessage());
            }
            String lc = o.lengthColumns().get(m.getKey());
            if (lc != null) {
                FieldVector lv = root.getVector(lc);
                int seq = shapes.get(m.getKey()).length == 1 ? 1 : shapes.get(m.getKey())[0];
                long len = lv.isNull(r) ? -1 : ((BaseIntVector) lv).getValueAsLong(r);
                if (len < 0 || len > seq) {
                    throw new BadSampleException(id, file, "length " + (len < 0 ? "null" : len) + " in '" + lc
                            + "' outside 0.." + seq);
                }
                lengths.put(m.getKey(), (int) len);
            }
        }
        return new FeatureRow(id, target, values, lengths);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new FeatureException(message);
        }
    }

    @Override
    public void close() {
        allocator.close();
    }
}
