package dev.cggm.features.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.ModelSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * A HuggingFace {@code tokenizer.json} run by HuggingFace's own Rust tokenizers (through DJL),
 * configured as the reference tokenizes Food-101 text: special tokens added, truncated and padded
 * to {@code maxLength}. Safe for concurrent use (the native tokenizer is immutable once built).
 */
public final class TextTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final int vocabSize;
    private final String location;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, int vocabSize, String location) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.vocabSize = vocabSize;
        this.location = location;
    }

    /**
     * Loads a {@code tokenizer.json}.
     *
     * @param maxLength tokens per text including special tokens (truncate and pad to it), >= 2
     * @throws FeatureException naming the file when it is not a usable tokenizer
     */
    public static TextTokenizer load(ModelSource source, int maxLength) {
        if (maxLength < 2) {
            throw new FeatureException("max length must be >= 2 (room for [CLS] and [SEP]), got " + maxLength);
        }
        byte[] bytes = source.read();
        int vocab;
        try {
            vocab = vocabSize(JSON.readTree(bytes));
        } catch (IOException | RuntimeException e) {
            throw new FeatureException("tokenizer " + source.location() + " is not a HuggingFace tokenizer.json: "
                    + e.getMessage(), e);
        }
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "padding", "max_length",
                "truncation", "true",
                "maxLength", Integer.toString(maxLength));
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
            return new TextTokenizer(t, maxLength, vocab, source.location());
        } catch (IOException | RuntimeException e) {
            throw new FeatureException("cannot load tokenizer " + source.location() + ": " + e.getMessage(), e);
        }
    }

    /** Largest token id + 1 over the model vocabulary and the added tokens. */
    private static int vocabSize(JsonNode root) {
        JsonNode model = root.path("model");
        if (model.isMissingNode()) {
            throw new IllegalArgumentException("no \"model\" section");
        }
        long max = -1;
        JsonNode vocab = model.path("vocab");
        if (vocab.isObject()) {
            for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) {
                max = Math.max(max, it.next().asLong());
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
            max = vocab.size() - 1L;
        }
        for (JsonNode t : root.path("added_tokens")) {
            max = Math.max(max, t.path("id").asLong(-1));
        }
        if (max < 0) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        return (int) (max + 1);
    }

    /** Tokenizes one text to exactly {@link #maxLength()} positions. */
    public Tokens encode(String text) {
        Encoding e = tokenizer.encode(text);
        long[] ids = e.getIds();
        long[] mask = e.getAttentionMask();
        long[] types = e.getTypeIds();
        if (ids.length != maxLength) {
            throw new IllegalStateException("tokenizer returned " + ids.length + " ids, expected " + maxLength);
        }
        int len = 0;
        for (long m : mask) {
            len += (int) m;
        }
        return new Tokens(ids, mask, types, len);
    }

    public int maxLength() {
        return maxLength;
    }

    /** Token ids range over [0, vocabSize). */
    public int vocabSize() {
        return vocabSize;
    }

    public String location() {
        return location;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
