package dev.cggm.features.datasets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Food-101 in the layout the CGGM reference reads (UPMC Food-101 as prepared for MMBT): a
 * directory with {@code train.json}, {@code dev.json} and {@code test.json}, each a JSON array of
 * {@code {"id", "text_tokens": [words…], "img_path": relative path, "label": class name}}. The
 * text is the tokens joined by spaces (as the reference does before BERT tokenization). Labels
 * are the reference's 101 class names in its order, unless the directory has a
 * {@code labels.txt}. Missing split files are skipped; at least one must exist.
 */
public final class Food101Dataset implements Dataset {
    /** Split files the reference reads, in order. */
    public static final List<String> SPLITS = List.of("train", "dev", "test");

    /** The reference's CLASS_NAME list (Food-101's 101 classes, alphabetical). */
    public static final List<String> CLASS_NAMES = List.of("apple_pie", "baby_back_ribs", "baklava", "beef_carpaccio",
            "beef_tartare", "beet_salad", "beignets", "bibimbap", "bread_pudding", "breakfast_burrito", "bruschetta",
            "caesar_salad", "cannoli", "caprese_salad", "carrot_cake", "ceviche", "cheese_plate", "cheesecake",
            "chicken_curry", "chicken_quesadilla", "chicken_wings", "chocolate_cake", "chocolate_mousse", "churros",
            "clam_chowder", "club_sandwich", "crab_cakes", "creme_brulee", "croque_madame", "cup_cakes", "deviled_eggs",
            "donuts", "dumplings", "edamame", "eggs_benedict", "escargots", "falafel", "filet_mignon", "fish_and_chips",
            "foie_gras", "french_fries", "french_onion_soup", "french_toast", "fried_calamari", "fried_rice",
            "frozen_yogurt", "garlic_bread", "gnocchi", "greek_salad", "grilled_cheese_sandwich", "grilled_salmon",
            "guacamole", "gyoza", "hamburger", "hot_and_sour_soup", "hot_dog", "huevos_rancheros", "hummus",
            "ice_cream", "lasagna", "lobster_bisque", "lobster_roll_sandwich", "macaroni_and_cheese", "macarons",
            "miso_soup", "mussels", "nachos", "omelette", "onion_rings", "oysters", "pad_thai", "paella", "pancakes",
            "panna_cotta", "peking_duck", "pho", "pizza", "pork_chop", "poutine", "prime_rib", "pulled_pork_sandwich",
            "ramen", "ravioli", "red_velvet_cake", "risotto", "samosa", "sashimi", "scallops", "seaweed_salad",
            "shrimp_and_grits", "spaghetti_bolognese", "spaghetti_carbonara", "spring_rolls", "steak",
            "strawberry_shortcake", "sushi", "tacos", "takoyaki", "tiramisu", "tuna_tartare", "waffles");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final List<String> labels;
    private final Map<String, Long> sizes;

    private Food101Dataset(Path root, List<String> labels, Map<String, Long> sizes) {
        this.root = root;
        this.labels = labels;
        this.sizes = sizes;
    }

    /** Opens the directory and counts each split's entries (one streaming pass). */
    public static Food101Dataset open(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new FeatureException("Food-101 dataset directory not found: " + root);
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String split : SPLITS) {
            Path f = root.resolve(split + ".json");
            if (Files.isRegularFile(f)) {
                long n = 0;
                try (Reader r = new Reader(root, f)) {
                    while (r.hasNext()) {
                        r.next();
                        n++;
                    }
                }
                sizes.put(split, n);
            }
        }
        if (sizes.isEmpty()) {
            throw new FeatureException(root + " is not a Food-101 dataset directory: none of train.json, dev.json, "
                    + "test.json exists");
        }
        List<String> labels = Labels.readIfPresent(root);
        return new Food101Dataset(root, labels != null ? labels : CLASS_NAMES, sizes);
    }

    @Override
    public String format() {
        return "food101";
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public List<String> labelNames() {
        return labels;
    }

    @Override
    public List<String> splits() {
        return List.copyOf(sizes.keySet());
    }

    @Override
    public long size(String split) {
        Long n = sizes.get(split);
        if (n == null) {
            throw new FeatureException("Food-101 dataset " + root + " has no split '" + split + "'");
        }
        return n;
    }

    @Override
    public Path indexFile(String split) {
        size(split);
        return root.resolve(split + ".json");
    }

    @Override
    public List<Path> indexFiles() {
        return sizes.keySet().stream().map(sp -> root.resolve(sp + ".json")).toList();
    }

    @Override
    public SampleStream open(String split) throws IOException {
        size(split);
        return new Reader(root, root.resolve(split + ".json"));
    }

    /** Streams the objects of one JSON array file. */
    private static final class Reader implements SampleStream {
        private final Path root;
        private final Path file;
        private final JsonParser parser;
        private JsonNode next;
        private long position;

        Reader(Path root, Path file) throws IOException {
            this.root = root;
            this.file = file;
            this.parser = JSON.getFactory().createParser(file.toFile());
            try {
                if (parser.nextToken() != JsonToken.START_ARRAY) {
                    throw new FeatureException(file + ": expected a JSON array of samples");
                }
                advance();
            } catch (IOException | RuntimeException e) {
                parser.close();
                throw e instanceof FeatureException f ? f
                        : new FeatureException(file + ": not valid JSON: " + e.getMessage(), e);
            }
        }

        private void advance() {
            try {
                JsonToken t = parser.nextToken();
                if (t == JsonToken.END_ARRAY || t == null) {
                    next = null;
                    return;
                }
                next = JSON.readTree(parser);
            } catch (IOException e) {
                throw new FeatureException(file + ": not valid JSON near entry " + position + ": "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage()
                        : e.getMessage()), e);
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
            JsonNode n = next;
            long pos = position++;
            advance();
            if (!n.isObject()) {
                return new Sample(pos, null, null, null, null, "entry is not a JSON object");
            }
            String id = text(n.get("id"));
            String text = tokensText(n.get("text_tokens"));
            String img = text(n.get("img_path"));
            String label = text(n.get("label"));
            String problem = null;
            if (id == null || id.isBlank()) {
                problem = "entry has no \"id\"";
            } else if (img == null || img.isBlank()) {
                problem = "entry has no \"img_path\"";
            }
            return new Sample(pos, id, text, img == null || img.isBlank() ? null : root.resolve(img).normalize(),
                    label, problem);
        }

        private static String text(JsonNode v) {
            return v == null || v.isNull() ? null : v.asText();
        }

        private static String tokensText(JsonNode v) {
            if (v == null || v.isNull()) {
                return null;
            }
            if (v.isArray()) {
                List<String> words = new ArrayList<>(v.size());
                v.forEach(w -> words.add(w.asText()));
                return String.join(" ", words);
            }
            return v.asText();
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }
}
