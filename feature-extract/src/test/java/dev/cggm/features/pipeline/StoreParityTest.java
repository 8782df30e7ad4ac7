package dev.cggm.features.pipeline;

import dev.cggm.features.Fixtures;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.datasets.SampleStream;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.images.ImageDecoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.features.tokenize.Tokens;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;
import org.apache.arrow.memory.util.Float16;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stored features against a direct ONNX Runtime run (plain sessions, one sample at a time) on the
 * same token ids and pixel values; pooled and float16 stores against the full float32 one.
 */
class StoreParityTest {
    @TempDir
    static Path tmp;
    static Dataset ds;
    static Path full;

    @BeforeAll
    static void extract() throws Exception {
        ds = Fixtures.smallDemo(tmp.resolve("data"));
        full = tmp.resolve("full");
        Extractor.run(full, Fixtures.options(ds), ProgressListener.none());
    }

    /**
     * Each record batch is one session run, so the direct run feeds the same batch: the default
     * text encoder is dynamically quantized (activation scales are computed per tensor, over the
     * whole batch), so a row's features depend slightly on the rows it was batched with.
     */
    @Test
    void storedFeaturesEqualADirectSessionRun() throws Exception {
        Map<String, Sample> samples = new HashMap<>();
        try (SampleStream s = ds.open("validation")) {
            s.forEachRemaining(x -> samples.put(x.id(), x));
        }
        var textSpec = Encoders.text(Encoders.DEFAULT_TEXT, null);
        var imageSpec = Encoders.image(Encoders.DEFAULT_UNTRAINED_IMAGE, null);
        ImagePreprocessor pre = new ImagePreprocessor(imageSpec.preprocessing());
        int checked = 0;
        try (FeatureStore store = FeatureStore.open(full);
             FeatureStore.Batches batches = store.batches("validation");
             TextTokenizer tok = TextTokenizer.load(textSpec.tokenizer(), 16);
             OrtModel text = OrtModel.load(textSpec.model().read());
             OrtModel image = OrtModel.load(imageSpec.model().read())) {
            StoreManifest m = store.manifest();
            assertEquals(List.of(16, 384), m.modality("text").shape());
            assertEquals(List.of(17, 192), m.modality("image").shape());
            for (FeatureBatch b : batches) {
                int n = b.rowCount();
                long[] ids = new long[n * 16];
                long[] mask = new long[n * 16];
                long[] types = new long[n * 16];
                float[] px = new float[n * 3 * 64 * 64];
                for (int r = 0; r < n; r++) {
                    Sample s = samples.get(b.id(r));
                    assertEquals(m.labelNames().indexOf(s.label()), b.label(r));
                    Tokens t = tok.encode(s.text());
                    assertEquals(t.length(), b.length("text", r));
                    assertEquals(17, b.length("image", r));
                    System.arraycopy(t.ids(), 0, ids, r * 16, 16);
                    System.arraycopy(t.attentionMask(), 0, mask, r * 16, 16);
                    System.arraycopy(t.typeIds(), 0, types, r * 16, 16);
                    float[] p = pre.toPixels(new ImageDecoder().decode(s.id(), s.image()));
                    System.arraycopy(p, 0, px, r * p.length, p.length);
                }
                float[] expectText = text.run(Map.of("input_ids", HostTensor.of(ids, n, 16),
                        "attention_mask", HostTensor.of(mask, n, 16),
                        "token_type_ids", HostTensor.of(types, n, 16))).get("last_hidden_state").floats();
                float[] expectImage = image.run(Map.of("pixel_values", HostTensor.of(px, n, 3, 64, 64)))
                        .get("last_hidden_state").floats();
                float[] storedText = new float[expectText.length];
                float[] storedImage = new float[expectImage.length];
                for (int r = 0; r < n; r++) {
                    b.copyRow("text", r, storedText, r * 16 * 384);
                    b.copyRow("image", r, storedImage, r * 17 * 192);
                    checked++;
                }
                assertClose(expectText, storedText, 1e-5, "text batch of " + n);
                assertClose(expectImage, storedImage, 1e-5, "image batch of " + n);
            }
        }
        assertEquals(6, checked);
    }

    @Test
    void pooledAndHalfPrecisionStoresAgreeWithTheFullOne() throws Exception {
        Path pooled = tmp.resolve("pooled");
        Extractor.run(pooled, Fixtures.options(ds, Pooling.MEAN, Pooling.CLS, Precision.FLOAT16, false),
                ProgressListener.none());
        try (FeatureStore a = FeatureStore.open(full); FeatureStore b = FeatureStore.open(pooled);
             FeatureStore.Batches ba = a.batches("train"); FeatureStore.Batches bb = b.batches("train")) {
            assertEquals(List.of(384), b.manifest().modality("text").shape());
            assertEquals("float16", b.manifest().precision());
            var ia = ba.iterator();
            var ib = bb.iterator();
            int rows = 0;
            while (ia.hasNext()) {
                FeatureBatch x = ia.next();
                FeatureBatch y = ib.next();
                for (int r = 0; r < x.rowCount(); r++, rows++) {
                    assertEquals(x.id(r), y.id(r));
                    int len = x.length("text", r);
                    float[] seq = x.row("text", r);
                    float[] mean = new float[384];
                    for (int p = 0; p < len; p++) {
                        for (int d = 0; d < 384; d++) {
                            mean[d] += seq[p * 384 + d] / len;
                        }
                    }
                    float[] half = y.row("text", r);
                    for (int d = 0; d < 384; d++) {
                        assertEquals(Float16.toFloat(Float16.toFloat16(mean[d])), half[d], 2e-3f * Math.max(1, Math.abs(mean[d])));
                    }
                    float[] img = x.row("image", r);
                    float[] cls = y.row("image", r);
                    for (int d = 0; d < 192; d++) {
                        assertEquals(Float16.toFloat(Float16.toFloat16(img[d])), cls[d], 0f);
                    }
                }
            }
            assertTrue(!ib.hasNext());
            assertEquals(20, rows);
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(max <= tol, what + ": max |stored − direct| = " + max);
    }
}
