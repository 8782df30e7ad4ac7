package dev.cggm.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The side-by-side of a comparison: per entry, the task's test metrics as mean ± sample standard
 * deviation over the seeds, each modality's test accuracy and the imbalance (means), training time
 * per epoch and the largest peak memory of its runs; as a terminal table, Markdown, JSON and a PNG.
 */
public final class ComparisonReport {
    private final List<ComparisonRun> runs;
    private final List<String> modalities;
    private final List<String> metrics;
    private final String title;

    /**
     * @param metrics the task metrics to show (e.g. acc, f1_macro; mae, corr for regression)
     */
    public ComparisonReport(String title, List<ComparisonRun> runs, List<String> modalities, List<String> metrics) {
        this.title = title;
        this.runs = List.copyOf(runs);
        this.modalities = List.copyOf(modalities);
        this.metrics = List.copyOf(metrics);
    }

    /** One row: an entry's aggregated figures (NaN where no run succeeded). */
    public record Row(String label, int succeeded, int runs, Map<String, double[]> metrics, Map<String, Double> modality,
                      double imbalance, double secondsPerEpoch, double peakRssMib, String error) {
    }

    public List<Row> rows() {
        Set<String> labels = new LinkedHashSet<>();
        runs.forEach(r -> labels.add(r.entry().label()));
        List<Row> rows = new ArrayList<>();
        for (String label : labels) {
            List<ComparisonRun> mine = runs.stream().filter(r -> r.entry().label().equals(label)).toList();
            List<ComparisonRun> ok = mine.stream().filter(ComparisonRun::succeeded).toList();
            Map<String, double[]> m = new LinkedHashMap<>();
            for (String k : metrics) {
                m.put(k, meanSd(ok.stream().mapToDouble(r -> number(r.result().test().get(k))).toArray()));
            }
            Map<String, Double> mod = new LinkedHashMap<>();
            for (String k : modalities) {
                double[] v = ok.stream().map(r -> r.result().test().get("cls_acc/" + k)).filter(x -> x != null)
                        .mapToDouble(ComparisonReport::number).toArray();
                mod.put(k, v.length == 0 ? Double.NaN : meanSd(v)[0]);
            }
            double imbalance = meanSd(ok.stream().mapToDouble(r -> number(r.result().test().get("imbalance"))).toArray())[0];
            double time = meanSd(ok.stream().mapToDouble(ComparisonRun::secondsPerEpoch).toArray())[0];
            double peak = ok.stream().map(r -> r.result().peakRssMib()).filter(x -> x != null)
                    .mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            String error = mine.stream().map(ComparisonRun::error).filter(e -> e != null && !e.isBlank()).findFirst()
                    .orElse(null);
            rows.add(new Row(label, ok.size(), mine.size(), m, mod, imbalance, time, peak, error));
        }
        return rows;
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Mean and sample standard deviation (0 for one value, NaN for none). */
    static double[] meanSd(double[] v) {
        if (v.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return new double[] {mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0};
    }

    private List<String> header() {
        List<String> h = new ArrayList<>(List.of("method"));
        metrics.forEach(k -> h.add("test " + k));
        modalities.forEach(k -> h.add(k + " acc"));
        h.addAll(List.of("imbalance", "s/epoch", "peak MiB", "runs"));
        return h;
    }

    private List<String> cells(Row r) {
        List<String> c = new ArrayList<>(List.of(r.label()));
        r.metrics().values().forEach(ms -> c.add(Double.isNaN(ms[0]) ? "—"
                : String.format(Locale.ROOT, "%.3f ± %.3f", ms[0], ms[1])));
        r.modality().values().forEach(v -> c.add(fmt(v, "%.3f")));
        c.add(fmt(r.imbalance(), "%.3f"));
        c.add(fmt(r.secondsPerEpoch(), "%.1f"));
        c.add(fmt(r.peakRssMib(), "%.0f"));
        c.add(r.succeeded() + "/" + r.runs() + (r.error() != null && r.succeeded() < r.runs() ? " (" + r.error() + ")" : ""));
        return c;
    }

    private static String fmt(double v, String f) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, f, v);
    }

    /** A fixed-width table for the terminal. */
    public String table() {
        List<List<String>> all = new ArrayList<>();
        all.add(header());
        rows().forEach(r -> all.add(cells(r)));
        int[] w = new int[all.get(0).size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size() && i < w.length; i++) {
                w[i] = Math.max(w[i], Math.min(row.get(i).length(), 60));
            }
        }
        StringBuilder s = new StringBuilder();
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                s.append(String.format(Locale.ROOT, i == 0 ? "%-" + w[i] + "s" : "  %" + w[i] + "s", row.get(i)));
            }
            s.append('\n');
        }
        return s.toString().stripTrailing();
    }

    public String markdown(String preamble) {
        StringBuilder s = new StringBuilder("# " + title + "\n\n").append(preamble).append("\n\n| ");
        s.append(String.join(" | ", header())).append(" |\n|");
        header().forEach(h -> s.append("---|"));
        s.append('\n');
        for (Row r : rows()) {
            s.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        return s.toString();
    }

    /** A bar chart of the first metric (mean ± sd) and each modality's accuracy per entry. */
    public void png(Path file) throws IOException {
        List<Row> rows = rows();
        List<String> labels = rows.stream().map(Row::label).toList();
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 110 * labels.size())).height(480)
                .title(title).yAxisTitle("test").build();
        chart.getStyler().setXAxisLabelRotation(30);
        String first = metrics.get(0);
        List<Double> means = rows.stream().map(r -> zeroIfNaN(r.metrics().get(first)[0])).toList();
        List<Double> sds = rows.stream().map(r -> zeroIfNaN(r.metrics().get(first)[1])).toList();
        chart.addSeries(first + " (fused)", labels, means, sds);
        for (String m : modalities) {
            chart.addSeries(m + " accuracy", labels, rows.stream().map(r -> zeroIfNaN(r.modality().get(m))).toList());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, file.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double zeroIfNaN(Double v) {
        return v == null || Double.isNaN(v) ? 0 : v;
    }

    /** The rows as plain data (for report.json). */
    public List<Map<String, Object>> json() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("method", r.label());
            r.metrics().forEach((k, v) -> j.put("test_" + k, Map.of("mean", v[0], "sd", v[1])));
            r.modality().forEach((k, v) -> j.put("cls_acc/" + k, v));
            j.put("imbalance", r.imbalance());
            j.put("seconds_per_epoch", r.secondsPerEpoch());
            j.put("peak_rss_mib", r.peakRssMib());
            j.put("succeeded", r.succeeded());
            j.put("runs", r.runs());
            if (r.error() != null) {
                j.put("error", r.error());
            }
            out.add(j);
        }
        return out;
    }
}
