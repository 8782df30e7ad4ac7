package dev.cggm.features.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.FeatureException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A JSON-lines manifest: one object per line with {@code id}, {@code text}, {@code image} (path
 * relative to the manifest's directory, or absolute), {@code label} (class name) and
 * {@code split}. The manifest is {@code DIR/manifest.jsonl}, or the {@code .jsonl} file given.
 * Labels: {@code labels.txt} beside the manifest when present, else the sorted distinct labels
 * of the {@code train} split (of all splits when there is none). A line that is not a JSON
 * object with a {@code split} stops the run with an error naming the line (its split, hence its
 * place, is unknown); missing id, text, image or label make a bad sample.
 */
public final class JsonlDataset implements Dataset {
    /** Manifest file name looked for in a dataset directory. */
    public static final String MANIFEST = "manifest.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SPLIT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final Path manifest;
    private final Path base;
    private final List<String> labels;
    private final Map<String, Long> sizes;
    private final String format;

    private JsonlDataset(Path manifest, List<String> labels, Map<String, Long> sizes, String format) {
        this.manifest = manifest;
        this.base = manifest.getParent();
        this.labels = labels;
        this.sizes = sizes;
        this.format = format;
    }

    /** Opens a manifest (or a directory holding {@code manifest.jsonl}); one pass counts splits and labels. */
    public static JsonlDataset open(Path path) throws IOException {
        return open(path, "jsonl");
    }

    static JsonlDataset open(Path path, String format) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        Path manifest = Files.isDirectory(p) ? p.resolve(MANIFEST) : p;
        if (!Files.isRegularFile(manifest)) {
            throw new FeatureException("JSONL manifest not found: " + manifest);
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        TreeSet<String> trainLabels = new TreeSet<>();
        TreeSet<String> allLabels = new TreeSet<>();
        try (BufferedReader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = parse(line);
                String split = n == null ? null : str(n.get("split"));
                if (split == null || split.isBlank()) {
                    throw new FeatureException(manifest + " line " + lineNo + ": no \"split\" (every line needs "
                            + "id, text, image, label, split)");
                }
                if (!SPLIT_NAME.matcher(split).matches()) {
                    throw new FeatureException(manifest + " line " + lineNo + ": split name '" + split
                            + "' is not a plain name (letters, digits, _ . -)");
                }
                sizes.merge(split, 1L, Long::sum);
                String label = str(n.get("label"));
                if (label != null && !label.isBlank()) {
                    allLabels.add(label);
                    if (split.equals("train")) {
                        trainLabels.add(label);
                    }
                }
            }
        }
        if (sizes.isEmpty()) {
            throw new FeatureException(manifest + " has no samples");
        }
        List<String> labels = Labels.readIfPresent(manifest.getParent());
        if (labels == null) {
            labels = List.copyOf(sizes.containsKey("train") ? trainLabels : allLabels);
        }
        if (labels.isEmpty()) {
            throw new FeatureException(manifest + ": no sample has a label");
        }
        return new JsonlDataset(manifest, labels, sizes, format);
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String str(JsonNode v) {
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public Path root() {
        return manifest;
    }

    @Override
    public List<String> labelNames() {
        return labels;
    }

    @Override
    public List<String> splits() {
        List<String> order = new ArrayList<>();
        for (String preferred : List.of("train", "validation", "val", "dev", "test")) {
            if (sizes.containsKey(preferred)) {
                order.add(preferred);
            }
        }
        for (String s : sizes.keySet()) {
            if (!order.contains(s)) {
                order.add(s);
            }
        }
        return order;
    }

    @Override
    public long size(String split) {
        Long n = sizes.get(split);
        if (n == null) {
            throw new FeatureException(manifest + " has no split '" + split + "' (splits: " + splits() + ")");
        }
        return n;
    }

    @Override
    public Path indexFile(String split) {
        return manifest;
    }

    @Override
    public List<Path> indexFiles() {
        return List.of(manifest);
    }

    @Override
    public SampleStream open(String split) throws IOException {
        size(split);
        BufferedReader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8);
        return new SampleStream() {
            private Sample next;
            private long position;
            private long lineNo;

            {
                advance();
            }

            private void advance() {
                next = null;
                try {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lineNo++;
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode n = parse(line);
                        if (n == null || !split.equals(str(n.get("split")))) { // n == null: file changed since open
                            continue;
                        }
                        next = toSample(n, position++, lineNo);
                        return;
                    }
                } catch (IOException e) {
                    throw new FeatureException("cannot read " + manifest + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Sample next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Sample s = next;
                advance();
                return s;
            }

            @Override
            public void close() throws IOException {
                r.close();
            }
        };
    }

    private Sample toSample(JsonNode n, long position, long lineNo) {
        String id = str(n.get("id"));
        String text = str(n.get("text"));
        String image = str(n.get("image"));
        String label = str(n.get("label"));
        String problem = null;
        if (id == null || id.isBlank()) {
            id = "line " + lineNo;
            problem = "entry has no \"id\"";
        } else if (image == null || image.isBlank()) {
            problem = "entry has no \"image\"";
        }
        Path img = image == null || image.isBlank() ? null : base.resolve(image).normalize();
        return new Sample(position, id, text, img, label, problem);
    }
}
