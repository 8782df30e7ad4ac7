package dev.cggm.cli;

import dev.cggm.train.TrainResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A demo's side-by-side comparison of its runs (one column per variant): a console table, a
 * Markdown report and JSON.
 *
 * @param title   the Markdown heading
 * @param intro   the Markdown paragraph saying what was compared
 * @param rows    the figures, one row each
 * @param seconds the demo's total time
 */
record DemoReport(String title, String intro, Map<String, TrainResult> runs, List<Row> rows, double seconds) {
    /** One row: its label and how a run's cell is written. */
    record Row(String label, Function<TrainResult, String> cell) {
    }

    /** A row of a run's test figure {@code key}, three decimals. */
    static Row test(String label, String key) {
        return new Row(label, r -> fmt(r.test().get(key)));
    }

    private List<String[]> cells() {
        List<String[]> out = new ArrayList<>();
        for (Row row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.label()));
            runs.values().forEach(r -> cells.add(row.cell().apply(r)));
            out.add(cells.toArray(String[]::new));
        }
        return out;
    }

    String table() {
        int width = rows.stream().mapToInt(r -> r.label().length()).max().orElse(0) + 2;
        String label = "%-" + width + "s";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, label, ""));
        runs.keySet().forEach(v -> s.append(String.format(Locale.ROOT, " %13s", v)));
        s.append('\n');
        for (String[] r : cells()) {
            s.append(String.format(Locale.ROOT, label, r[0]));
            for (int i = 1; i < r.length; i++) {
                s.append(String.format(Locale.ROOT, " %13s", r[i]));
            }
            s.append('\n');
        }
        return s.toString().stripTrailing();
    }

    String markdown(String runFiles) {
        StringBuilder s = new StringBuilder("# " + title + "\n\n" + intro + "\n\n|");
        runs.keySet().forEach(v -> s.append(" | ").append(v));
        s.append(" |\n|---|");
        runs.keySet().forEach(v -> s.append("---|"));
        s.append('\n');
        for (String[] r : cells()) {
            s.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        s.append("\nRuns (").append(runFiles).append("):\n\n");
        runs.forEach((v, r) -> s.append("- ").append(v).append(": `").append(Path.of(r.runDir())).append("`\n"));
        s.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", seconds));
        return s.toString();
    }

    Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        runs.forEach((v, r) -> j.put(v, Map.of("test", r.test(), "best_epoch", r.bestEpoch(),
                "run_dir", Path.of(r.runDir()).toString())));
        j.put("seconds", seconds);
        return j;
    }

    static String fmt(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue()) : String.valueOf(v);
    }
}
