package dev.cggm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.export.BundlePredictor;
import dev.cggm.features.BadSampleException;
import dev.cggm.onnx.runtime.DeviceSessions;
import dev.cggm.onnx.runtime.ExecutionDevice;
import dev.cggm.train.run.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code cggm predict}: runs an exported bundle on raw samples, one line per sample. A bad sample
 * (unreadable image, empty text, a line that is not JSON) gets a line naming the problem and the
 * rest go on; the exit code is then 1.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Run an exported bundle (./cggm export) on raw samples: JSONL manifests (one {\"id\", \"text\", "
                + "\"image\"} per line, image paths relative to the manifest, like extract's) or .json files holding one "
                + "such object. Prints one line per sample: id, predicted label, its probability (or, with --json, "
                + "every probability)."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The bundle directory.")
    Path model;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "FILE",
            description = "manifest.jsonl or sample .json files.")
    List<Path> inputs;

    @Option(names = "--json", description = "One JSON object per line: id, label, probability, probabilities (or error).")
    boolean json;

    @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu or cuda[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads (0 = all cores).")
    int threads;

    private int bad;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (BundlePredictor p = BundlePredictor.open(model, new DeviceSessions(ExecutionDevice.parse(device), threads))) {
            for (Path in : inputs) {
                String name = in.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!Files.isRegularFile(in)) {
                    error(out, in.toString(), "input file not found: " + in.toAbsolutePath());
                } else if (name.endsWith(".jsonl")) {
                    try (BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
                        int lineNo = 0;
                        for (String line; (line = r.readLine()) != null; ) {
                            lineNo++;
                            if (!line.isBlank()) {
                                sample(p, out, line, in, in + ":" + lineNo);
                            }
                        }
                    }
                } else if (name.endsWith(".json")) {
                    sample(p, out, Files.readString(in), in, in.toString());
                } else {
                    error(out, in.toString(), "not a .jsonl manifest or a .json sample: " + in);
                }
            }
        }
        out.flush();
        return bad == 0 ? 0 : 1;
    }

    private void sample(BundlePredictor p, PrintStream out, String text, Path file, String where) throws Exception {
        JsonNode n;
        try {
            n = Json.LINES.readTree(text);
        } catch (IOException e) {
            error(out, where, "not a JSON object: " + firstLine(e.getMessage()));
            return;
        }
        if (n == null || !n.isObject()) {
            error(out, where, "not a JSON object");
            return;
        }
        String id = n.hasNonNull("id") ? n.get("id").asText() : where;
        Path image = n.hasNonNull("image") ? file.toAbsolutePath().getParent().resolve(n.get("image").asText()) : null;
        try {
            BundlePredictor.Prediction r = p.predict(id, n.path("text").asText(null), image);
            out.println(json ? Json.LINES.writeValueAsString(jsonLine(p, r)) : textLine(p, r));
        } catch (BadSampleException e) {
            error(out, id, e.file() == null ? e.reason() : e.reason() + ": " + e.file());
        }
    }

    private static String textLine(BundlePredictor p, BundlePredictor.Prediction r) {
        if (!p.classification()) {
            return String.format(Locale.ROOT, "%s\t%.6g", r.id(), r.output()[0]);
        }
        int k = argmax(r.probabilities());
        return String.format(Locale.ROOT, "%s\t%s\t%.4f", r.id(), p.labels().get(k), r.probabilities()[k]);
    }

    private static ObjectNode jsonLine(BundlePredictor p, BundlePredictor.Prediction r) {
        ObjectNode o = Json.LINES.createObjectNode().put("id", r.id());
        if (!p.classification()) {
            o.put("value", r.output()[0]);
            return o;
        }
        int k = argmax(r.probabilities());
        o.put("label", p.labels().get(k)).put("probability", r.probabilities()[k]);
        ObjectNode all = o.putObject("probabilities");
        for (int i = 0; i < p.labels().size(); i++) {
            all.put(p.labels().get(i), r.probabilities()[i]);
        }
        return o;
    }

    private void error(PrintStream out, String id, String reason) throws IOException {
        bad++;
        out.println(json ? Json.LINES.writeValueAsString(Json.LINES.createObjectNode().put("id", id).put("error", reason))
                : id + "\terror: " + reason);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
