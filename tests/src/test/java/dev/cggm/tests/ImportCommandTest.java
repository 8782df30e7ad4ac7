package dev.cggm.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.StoreManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.cggm.tests.CliAssertions.assertOneLineError;
import static dev.cggm.tests.CliAssertions.stdout;

/**
 * {@code cggm import} on files written by Python (pickle + numpy, h5py, pyarrow; see
 * tests/python/make_import_fixtures.py) in the layouts the CGGM reference reads: every value
 * the store holds is what the reference's data code computes (there with numpy), bad rows are
 * listed, bad files are one line.
 */
class ImportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(Path dir, String kind, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of(kind, dir.toString()));
        args.addAll(List.of(options));
        PythonEnv.run("make_import_fixtures.py", args.toArray(String[]::new));
        return dir;
    }

    @Test
    void mosiPicklesOfEveryProtocolImportAsTheReferenceReadsThem(@TempDir Path tmp) throws Exception {
        for (String[] variant : List.of(new String[] {"--protocol", "2", "--legacy-numpy"},
                new String[] {"--protocol", "4"}, new String[] {"--protocol", "5"})) {
            Path data = fixture(tmp.resolve("mosi-" + String.join("", variant)), "mosi", variant);
            Path store = data.resolve("store");
            assertEquals(0, Main.run("import", "--format", "mosi", "--dataset", data.resolve("mosi.pkl").toString(),
                    "--out", store.toString(), "--shard-size", "3", "--batch-rows", "2"), Arrays.toString(variant));
            StoreManifest m = StoreManifest.read(store);
            assertTrue(m.task().isRegression());
            assertEquals("sentiment", m.task().target().name());
            assertEquals(List.of(-3.0, 3.0), m.task().target().range());
            assertEquals(List.of(List.of(5, 6), List.of(5, 4), List.of(5, 3)),
                    m.modalities().stream().map(StoreManifest.ModalityInfo::shape).toList());
            assertEquals(List.of("text", "audio", "vision"),
                    m.modalities().stream().map(StoreManifest.ModalityInfo::name).toList());
            assertMatches(store, data.resolve("expected.json"), 0);
        }
    }

    @Test
    void mosiImportResumesAndRefusesOtherInput(@TempDir Path tmp) throws Exception {
        Path data = fixture(tmp.resolve("mosi"), "mosi");
        Path pkl = data.resolve("mosi.pkl");
        Path store = tmp.resolve("store");
        String[] args = {"import", "--format", "mosi", "--dataset", pkl.toString(), "--out", store.toString(),
                "--shard-size", "3"};
        assertEquals(0, Main.run(args));
        byte[] shard = Files.readAllBytes(store.resolve("train/part-00001.arrow"));
        Files.delete(store.resolve("train/part-00002.arrow")); // as if killed while writing the last shard
        String out = stdout(args);
        assertTrue(out.contains("[2 shards resumed]"), out);
        assertArrayEquals(shard, Files.readAllBytes(store.resolve("train/part-00001.arrow")), "kept, not rewritten");
        assertMatches(store, data.resolve("expected.json"), 0);
        byte[] pickle = Files.readAllBytes(pkl);
        pickle[pickle.length - 40] ^= 1; // another input: its checksum differs
        Files.write(pkl, pickle);
        assertOneLineError("different settings", args);
    }

    @Test
    void badMosiPicklesAreOneLine(@TempDir Path tmp) throws Exception {
        Path missing = fixture(tmp.resolve("missing"), "mosi", "--drop", "train/audio");
        assertOneLineError("split 'train' has no 'audio' array", "import", "--format", "mosi", "--dataset",
                missing.resolve("mosi.pkl").toString(), "--out", tmp.resolve("s1").toString());
        Path shape = fixture(tmp.resolve("shape"), "mosi", "--bad-shape", "valid/text");
        assertOneLineError("valid/text has shape [3, 5]", "import", "--format", "mosi", "--dataset",
                shape.resolve("mosi.pkl").toString(), "--out", tmp.resolve("s2").toString());
        Path good = fixture(tmp.resolve("good"), "mosi");
        byte[] all = Files.readAllBytes(good.resolve("mosi.pkl"));
        Files.write(tmp.resolve("truncated.pkl"), Arrays.copyOf(all, all.length / 2));
        assertOneLineError("truncated", "import", "--format", "mosi", "--dataset",
                tmp.resolve("truncated.pkl").toString(), "--out", tmp.resolve("s3").toString());
        Files.writeString(tmp.resolve("text.pkl"), "id,label\n1,2\n");
        assertOneLineError("not a readable pickle", "import", "--format", "mosi", "--dataset",
                tmp.resolve("text.pkl").toString(), "--out", tmp.resolve("s4").toString());
        assertFalse(Files.exists(tmp.resolve("s3").resolve("manifest.json")), "nothing written for a bad file");
    }

    @Test
    void iemocapMminLayoutImportsWithBothNormalisations(@TempDir Path tmp) throws Exception {
        for (String norm : List.of("trn", "utt")) {
            Path data = fixture(tmp.resolve("iemocap-" + norm), "iemocap", "--norm", norm, "--cv", "3");
            Path store = data.resolve("store");
            assertEquals(0, Main.run("import", "--format", "iemocap", "--dataset", data.toString(), "--cv", "3",
                    "--norm", norm, "--out", store.toString(), "--label-names", "ang,hap,neu,sad"));
            StoreManifest m = StoreManifest.read(store);
            assertTrue(m.task().isClassification());
            assertEquals(List.of("ang", "hap", "neu", "sad"), m.labelNames());
            assertEquals(List.of(List.of(22, 1024), List.of(350, 130), List.of(50, 342)),
                    m.modalities().stream().map(StoreManifest.ModalityInfo::shape).toList());
            assertMatches(store, data.resolve("expected.json"), norm.equals("utt") ? 2e-6 : 0);
            assertTrue(m.splits().get("test").errors().get(0).reason().contains("[400, 130]"),
                    m.splits().get("test").errors().toString());
        }
        Path data = tmp.resolve("iemocap-trn");
        assertOneLineError("--cv must be 1..10", "import", "--format", "iemocap", "--dataset", data.toString(),
                "--cv", "11", "--out", tmp.resolve("x").toString());
        assertOneLineError("target/2/trn_label.npy not found", "import", "--format", "iemocap", "--dataset",
                data.toString(), "--cv", "2", "--out", tmp.resolve("x").toString());
        Path npy = data.resolve("target/3/val_label.npy");
        byte[] all = Files.readAllBytes(npy);
        Files.write(npy, Arrays.copyOf(all, all.length - 9));
        assertOneLineError("truncated", "import", "--format", "iemocap", "--dataset", data.toString(), "--cv", "3",
                "--out", tmp.resolve("x").toString());
    }

    @Test
    void parquetArrowAndSparkTablesImport(@TempDir Path tmp) throws Exception {
        for (String format : List.of("parquet", "arrow", "arrow-stream", "spark")) {
            Path data = fixture(tmp.resolve("table-" + format), "table", "--format", format);
            Path store = data.resolve("store");
            assertEquals(0, Main.run("import", "--format", "table", "--dataset", data.toString(), "--out",
                    store.toString(), "--modality", "text=text_emb", "--modality", "audio=audio_emb",
                    "--length-column", "text=text_len", "--shard-size", "4"), format);
            StoreManifest m = StoreManifest.read(store);
            assertTrue(m.task().isClassification());
            assertEquals(List.of("cat", "dog", "fox"), m.labelNames());
            assertEquals(List.of(List.of(4, 3), List.of(5)),
                    m.modalities().stream().map(StoreManifest.ModalityInfo::shape).toList());
            assertEquals("text_length", m.modality("text").lengthColumn());
            assertEquals(null, m.modality("audio").lengthColumn());
            assertMatches(store, data.resolve("expected.json"), 0);
        }
        Path data = tmp.resolve("table-parquet");
        assertOneLineError("has no column 'vision' (columns: [id, label, text_emb, audio_emb, text_len])", "import",
                "--format", "table", "--dataset", data.toString(), "--out", tmp.resolve("x").toString(), "--modality",
                "vision");
        Path bad = tmp.resolve("truncated");
        Files.createDirectories(bad);
        byte[] all = Files.readAllBytes(data.resolve("train.parquet"));
        Files.write(bad.resolve("train.parquet"), Arrays.copyOf(all, all.length - 30));
        assertOneLineError("cannot read table", "import", "--format", "table", "--dataset", bad.toString(), "--out",
                tmp.resolve("y").toString(), "--modality", "text=text_emb");
    }

    /** The store holds exactly the good rows of {@code expected.json}, in order, and lists the bad ones. */
    static void assertMatches(Path store, Path expectedJson, double tolerance) throws Exception {
        JsonNode expected = JSON.readTree(expectedJson.toFile());
        try (FeatureStore fs = FeatureStore.open(store)) {
            StoreManifest m = fs.manifest();
            assertEquals(StoreManifest.COMPLETE, m.status());
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String split = it.next();
                List<JsonNode> good = new ArrayList<>();
                List<String> bad = new ArrayList<>();
                for (JsonNode r : expected.get(split)) {
                    if (r.get("bad").asBoolean()) {
                        bad.add(r.get("id").asText());
                    } else {
                        good.add(r);
                    }
                }
                assertEquals(bad, m.splits().get(split).errors().stream().map(StoreManifest.SampleError::id).toList(),
                        split + " bad rows");
                int i = 0;
                try (FeatureStore.Batches batches = fs.batches(split)) {
                    for (FeatureBatch b : batches) {
                        for (int r = 0; r < b.rowCount(); r++, i++) {
                            JsonNode e = good.get(i);
                            assertEquals(e.get("id").asText(), b.id(r));
                            if (m.task().isClassification()) {
                                assertEquals(e.get("target").asLong(), b.label(r), e.get("id").asText());
                            } else {
                                assertEquals((float) e.get("target").asDouble(), b.target(r), e.get("id").asText());
                            }
                            for (StoreManifest.ModalityInfo mod : m.modalities()) {
                                float[] got = b.row(mod.name(), r);
                                JsonNode want = e.get("features").get(mod.name());
                                assertEquals(want.size(), got.length, mod.name());
                                for (int k = 0; k < got.length; k++) {
                                    float w = (float) want.get(k).asDouble();
                                    if (tolerance == 0) {
                                        assertEquals(w, got[k], () -> e.get("id").asText() + " " + mod.name());
                                    } else {
                                        assertEquals(w, got[k], tolerance * Math.max(1, Math.abs(w)),
                                                () -> e.get("id").asText() + " " + mod.name());
                                    }
                                }
                                if (e.get("lengths").has(mod.name())) {
                                    assertEquals(e.get("lengths").get(mod.name()).asInt(), b.length(mod.name(), r));
                                }
                            }
                        }
                    }
                }
                assertEquals(good.size(), i, split + " rows");
            }
        }
    }
}
