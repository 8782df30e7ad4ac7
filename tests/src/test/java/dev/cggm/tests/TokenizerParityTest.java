package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.features.tokenize.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** DJL's token ids against HuggingFace's Python {@code tokenizers} package, for both bundled text encoders. */
class TokenizerParityTest {
    private static final List<String> STRINGS = List.of(
            "Grilled salmon with lemon and dill.", "CRÈME brûlée — caramelised sugar crust!!", "北京烤鸭 peking duck 🦆",
            "pad thai, noodles; tamarind & peanuts (spicy) 100% vegan", "word ".repeat(80),
            "recipe: mix 2 cups flour, 1 tsp salt\tand   water\nbake at 220°C", "naïve café déjà-vu",
            "a red disc on a wooden table", "ALL CAPS SHOUTING", "e-mail: someone@example.org, url https://x.y/z?q=1",
            "tiramisu mascarpone espresso ladyfingers cocoa", "x");

    @Test
    void djlIdsEqualHuggingFaceIds(@TempDir Path tmp) throws Exception {
        Path strings = tmp.resolve("strings.json");
        new ObjectMapper().writeValue(strings.toFile(), STRINGS);
        for (String name : Encoders.textNames()) {
            TextEncoderSpec spec = Encoders.text(name, null);
            Path tokFile = tmp.resolve(name + "-tokenizer.json");
            Files.write(tokFile, spec.tokenizer().read());
            for (int maxLength : new int[] {50, 12}) {
                JsonNode hf = new ObjectMapper().readTree(PythonEnv.run("check_tokenizer.py", tokFile.toString(),
                        Integer.toString(maxLength), strings.toString()));
                try (TextTokenizer djl = TextTokenizer.load(spec.tokenizer(), maxLength)) {
                    for (int i = 0; i < STRINGS.size(); i++) {
                        Tokens t = djl.encode(STRINGS.get(i));
                        long[] ids = new long[maxLength];
                        long[] mask = new long[maxLength];
                        for (int k = 0; k < maxLength; k++) {
                            ids[k] = hf.get(i).get("ids").get(k).asLong();
                            mask[k] = hf.get(i).get("mask").get(k).asLong();
                        }
                        String what = name + " @" + maxLength + ": " + STRINGS.get(i);
                        assertArrayEquals(ids, t.ids(), what);
                        assertArrayEquals(mask, t.attentionMask(), what);
                        assertEquals(hf.get(i).get("ids").size(), maxLength, what);
                    }
                }
            }
        }
    }
}
