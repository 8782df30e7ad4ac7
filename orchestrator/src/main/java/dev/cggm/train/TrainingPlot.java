package dev.cggm.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cggm.train.run.Json;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PNG of a run: each modality's classifier accuracy (training batches, smoothed, and
 * validation per epoch) and its gradient coefficient over the steps. Coefficients are smoothed
 * with a moving median: the official formula occasionally divides by ~1e-8 and gives
 * coefficients of ±1e6, which would swamp an average; such steps are counted in the title.
 */
public final class TrainingPlot {
    private static final int SMOOTH = 25;

    private TrainingPlot() {
    }

    public static void write(Path steps, Path epochs, Path png, String title) throws IOException {
        write(steps, epochs, png, title, "accuracy");
    }

    /**
     * @param agreement what the task's per-modality agreement is called ("accuracy"; "mean Dice" of
     *                  each modality decoder for segmentation)
     */
    public static void write(Path steps, Path epochs, Path png, String title, String agreement) throws IOException {
        Map<String, List<double[]>> acc = new LinkedHashMap<>();
        Map<String, List<double[]>> coeff = new LinkedHashMap<>();
        for (String line : Files.readAllLines(steps, StandardCharsets.UTF_8)) {
            JsonNode r = Json.LINES.readTree(line);
            double step = r.path("step").asDouble();
            r.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("cls_acc/")) {
                    acc.computeIfAbsent(k.substring(8), x -> new ArrayList<>()).add(new double[] {step, r.get(k).asDouble()});
                }
            });
            JsonNode method = r.path("method");
            method.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("coeff/")) {
                    coeff.computeIfAbsent(k.substring(6), x -> new ArrayList<>())
                            .add(new double[] {step, method.get(k).asDouble()});
                }
            });
        }
        Map<String, List<double[]>> valAcc = new LinkedHashMap<>();
        for (String line : Files.readAllLines(epochs, StandardCharsets.UTF_8)) {
            JsonNode r = Json.LINES.readTree(line);
            double step = r.path("step").asDouble();
            r.fieldNames().forEachRemaining(k -> {
                if (k.startsWith("val_cls_acc/")) {
                    valAcc.computeIfAbsent(k.substring(12), x -> new ArrayList<>()).add(new double[] {step, r.get(k).asDouble()});
                }
            });
        }
        XYChart accChart = new XYChartBuilder().width(900).height(380)
                .title(title + ": per-modality classifier " + agreement).xAxisTitle("step").yAxisTitle(agreement).build();
        acc.forEach((m, pts) -> addSeries(accChart, m + " (train, smoothed)", smooth(pts), false));
        valAcc.forEach((m, pts) -> addSeries(accChart, m + " (validation)", pts, true));
        XYChart coeffChart = new XYChartBuilder().width(900).height(380)
                .title(title + ": gradient coefficient per modality").xAxisTitle("step").yAxisTitle("coefficient").build();
        coeff.forEach((m, pts) -> addSeries(coeffChart, m + " (moving median)", median(pts), false));
        long degenerate = coeff.values().stream().findFirst().orElse(List.of()).stream()
                .filter(p -> Math.abs(p[1]) > 10).count();
        if (degenerate > 0) {
            coeffChart.setTitle(coeffChart.getTitle() + " (" + degenerate + " steps with |coefficient| > 10)");
        }
        for (XYChart c : List.of(accChart, coeffChart)) {
            if (c.getSeriesMap().isEmpty()) {
                addSeries(c, "no data", List.of(new double[] {0, 0}), true);
            }
        }
        BitmapEncoder.saveBitmap(List.of(accChart, coeffChart), 2, 1, png.toString().replaceAll("\\.png$", ""),
                BitmapEncoder.BitmapFormat.PNG);
    }

    private static void addSeries(XYChart chart, String name, List<double[]> pts, boolean markers) {
        double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
        var s = chart.addSeries(name, x, y);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /** Trailing moving median over the last {@value #SMOOTH} values. */
    private static List<double[]> median(List<double[]> pts) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < pts.size(); i++) {
            double[] w = pts.subList(Math.max(0, i - SMOOTH + 1), i + 1).stream().mapToDouble(p -> p[1])
                    .filter(Double::isFinite).sorted().toArray();
            out.add(new double[] {pts.get(i)[0], w.length == 0 ? 0 : w[w.length / 2]});
        }
        return out;
    }

    /** Trailing moving average (batch accuracies are noisy step to step). */
    private static List<double[]> smooth(List<double[]> pts) {
        List<double[]> out = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < pts.size(); i++) {
            double v = Double.isFinite(pts.get(i)[1]) ? pts.get(i)[1] : 0;
            sum += v;
            if (i >= SMOOTH) {
                double old = pts.get(i - SMOOTH)[1];
                sum -= Double.isFinite(old) ? old : 0;
            }
            out.add(new double[] {pts.get(i)[0], sum / Math.min(i + 1, SMOOTH)});
        }
        return out;
    }
}
