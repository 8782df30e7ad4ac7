package dev.cggm.features.store;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link StoreWriter} on real files: any task and modalities, resuming, bad rows, refusals. */
class StoreWriterTest {
    private static final List<StoreManifest.ModalityInfo> MODALITIES = List.of(
            StoreManifest.ModalityInfo.imported("text", "test: text", List.of(4, 3), "text_length", null),
            StoreManifest.ModalityInfo.imported("audio", "test: audio", List.of(2, 5), null, "-inf replaced by 0"),
            StoreManifest.ModalityInfo.imported("vision", "test: vision", List.of(6), null, null));

    private static StoreManifest regression(String precision) {
        return new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION, StoreManifest.IN_PROGRESS,
                new StoreManifest.DatasetInfo("test", "/nowhere", "abc"),
                StoreManifest.TaskInfo.regression("sentiment", List.of(-3.0, 3.0)), List.of(), 4, precision,
                MODALITIES, new LinkedHashMap<>(), null);
    }

    /** Deterministic rows; every third of {@code bad} positions is a bad sample. */
    private static List<FeatureRow> rows(String split, int n, long seed) {
        Random r = new Random(seed);
        List<FeatureRow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, float[]> f = new LinkedHashMap<>();
            for (StoreManifest.ModalityInfo m : MODALITIES) {
                float[] v = new float[m.width()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) r.nextGaussian();
                }
                f.put(m.name(), v);
            }
            out.add(new FeatureRow(split + "-" + i, (float) (r.nextDouble() * 6 - 3), f, Map.of("text", 1 + i % 4)));
        }
        return out;
    }

    /** Writes a split; positions in {@code bad} are reported bad; stops (without committing) at shard {@code crashAt}. */
    private static StoreWriter.Split write(StoreWriter w, String split, List<FeatureRow> rows, List<Integer> bad,
                                           int crashAt) throws IOException {
        StoreWriter.Split s = w.split(split, rows.size());
        for (int k = 0; k < s.shardCount(); k++) {
            if (s.finished(k)) {
                continue;
            }
            try (Shard shard = s.open(k)) {
                RowBatcher batcher = new RowBatcher(shard, w.base(), 3);
                for (int i = k * 4; i < Math.min(rows.size(), (k + 1) * 4); i++) {
                    if (bad.contains(i)) {
                        s.bad(shard, new BadSampleException(rows.get(i).id(), null, "non-finite value in audio"));
                    } else {
                        batcher.add(rows.get(i));
                    }
                }
                if (k == crashAt) {
                    return s; // closing without commit: the partial file goes
                }
                batcher.flush();
                s.commit(shard);
            }
        }
        return s;
    }

    @Test
    void regressionStoreWithSequencesVectorsAndOptionalLengthsRoundTrips(@TempDir Path tmp) throws Exception {
        List<FeatureRow> train = rows("train", 11, 1);
        try (StoreWriter w = StoreWriter.open(tmp.resolve("s"), regression("float32"), false)) {
            write(w, "train", train, List.of(5), -1);
            write(w, "validation", rows("validation", 2, 2), List.of(), -1);
            w.complete();
        }
        StoreManifest m = StoreManifest.read(tmp.resolve("s"));
        assertEquals(StoreManifest.COMPLETE, m.status());
        assertEquals(2, m.version());
        assertTrue(m.task().isRegression());
        assertEquals("target", m.task().target().column());
        assertEquals("sentiment", m.task().target().name());
        assertEquals(List.of(-3.0, 3.0), m.task().target().range());
        assertEquals(3, m.splits().get("train").shards().size());
        assertEquals(10, m.splits().get("train").rows());
        assertEquals(List.of(new StoreManifest.SampleError("train-5", null, "non-finite value in audio")),
                m.splits().get("train").errors());
        assertEquals(List.of("id", "target", "text", "text_length", "audio", "vision"),
                FeatureSchema.of(m).getFields().stream().map(f -> f.getName()).toList());
        try (FeatureStore store = FeatureStore.open(tmp.resolve("s"))) {
            int i = 0;
            try (FeatureStore.Batches batches = store.batches("train")) {
                for (FeatureBatch b : batches) {
                    for (int r = 0; r < b.rowCount(); r++, i++) {
                        FeatureRow e = train.get(i < 5 ? i : i + 1);
                        assertEquals(e.id(), b.id(r));
                        assertEquals((Float) e.target(), b.target(r));
                        for (StoreManifest.ModalityInfo mod : MODALITIES) {
                            assertArrayEquals(e.features().get(mod.name()), b.row(mod.name(), r), mod.name());
                        }
                        assertEquals(e.lengths().get("text"), b.length("text", r));
                        assertFalse(b.hasLengths("audio"));
                        assertEquals(2, b.length("audio", r), "no length column: every position counts");
                    }
                }
            }
            assertEquals(10, i);
            float[] targets = new float[10];
            int at = 0;
            try (FeatureStore.Batches batches = store.batches("train")) {
                for (FeatureBatch b : batches) {
                    b.copyTargets(targets, at);
                    at += b.rowCount();
                }
            }
            for (int k = 0; k < 10; k++) {
                assertEquals((Float) train.get(k < 5 ? k : k + 1).target(), targets[k]);
            }
            assertThrows(FeatureException.class, () -> {
                try (FeatureStore.Batches batches = store.batches("validation")) {
                    batches.iterator().next().label(0);
                }
            }, "a regression target is not a class label");
        }
    }

    @Test
    void float16StoresRoundToHalfPrecision(@TempDir Path tmp) throws Exception {
        List<FeatureRow> train = rows("train", 5, 3);
        try (StoreWriter w = StoreWriter.open(tmp.resolve("s"), regression("float16"), false)) {
            write(w, "train", train, List.of(), -1);
            w.complete();
        }
        try (FeatureStore store = FeatureStore.open(tmp.resolve("s")); var batches = store.batches("train")) {
            int i = 0;
            for (FeatureBatch b : batches) {
                for (int r = 0; r < b.rowCount(); r++, i++) {
                    float[] want = train.get(i).features().get("vision");
                    float[] got = b.row("vision", r);
                    for (int k = 0; k < want.length; k++) {
                        assertEquals(org.apache.arrow.memory.util.Float16.toFloat(
                                org.apache.arrow.memory.util.Float16.toFloat16(want[k])), got[k]);
                    }
                }
            }
            assertEquals(5, i);
        }
    }

    @Test
    void aRunInterruptedMidShardResumesToTheFilesOfAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        List<FeatureRow> train = rows("train", 11, 4);
        try (StoreWriter w = StoreWriter.open(tmp.resolve("clean"), regression("float32"), false)) {
            write(w, "train", train, List.of(2), -1);
            w.complete();
        }
        try (StoreWriter w = StoreWriter.open(tmp.resolve("crashed"), regression("float32"), false)) {
            write(w, "train", train, List.of(2), 1);
        }
        Files.writeString(tmp.resolve("crashed/train/part-00001.arrow.tmp"), "half a shard of a killed process");
        StoreManifest partial = StoreManifest.read(tmp.resolve("crashed"));
        assertEquals(StoreManifest.IN_PROGRESS, partial.status());
        assertEquals(1, partial.splits().get("train").shards().size());
        assertFalse(Files.exists(tmp.resolve("crashed/train/part-00001.arrow")));
        try (StoreWriter w = StoreWriter.open(tmp.resolve("crashed"), regression("float32"), false)) {
            StoreWriter.Split s = write(w, "train", train, List.of(2), -1);
            assertEquals(1, s.resumedShards());
            w.complete();
        }
        byte[] shard2 = Files.readAllBytes(tmp.resolve("crashed/train/part-00002.arrow"));
        Files.write(tmp.resolve("crashed/train/part-00002.arrow"), java.util.Arrays.copyOf(shard2, 100)); // damaged
        try (StoreWriter w = StoreWriter.open(tmp.resolve("crashed"), regression("float32"), false)) {
            StoreWriter.Split s = write(w, "train", train, List.of(2), -1);
            assertEquals(2, s.resumedShards(), "the damaged shard is written again, the intact ones kept");
            w.complete();
        }
        StoreManifest clean = StoreManifest.read(tmp.resolve("clean"));
        StoreManifest resumed = StoreManifest.read(tmp.resolve("crashed"));
        assertEquals(clean.splits(), resumed.splits(), "same shards, rows, checksums and bad samples");
        for (StoreManifest.ShardInfo sh : clean.splits().get("train").shards()) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("clean").resolve(sh.file())),
                    Files.readAllBytes(tmp.resolve("crashed").resolve(sh.file())));
        }
    }

    @Test
    void shardsWrittenIndependentlyPerPartitionAreAdoptedIntoTheManifest(@TempDir Path tmp) throws Exception {
        List<FeatureRow> train = rows("train", 11, 7);
        try (StoreWriter w = StoreWriter.open(tmp.resolve("clean"), regression("float32"), false)) {
            write(w, "train", train, List.of(), -1);
            w.complete();
        }
        Path store = tmp.resolve("parts");
        StoreManifest base = regression("float32");
        try (StoreWriter w = StoreWriter.open(store, base, false)) {
            StoreWriter.Split split = w.split("train", train.size());
            // what a distributed job does per partition: only the directory, the schema and its entry range
            for (int k = 2; k >= 0; k--) {
                try (org.apache.arrow.memory.RootAllocator partitionAllocator = new org.apache.arrow.memory.RootAllocator();
                     Shard shard = Shard.create(store, "train", k, 4L * k, Math.min(4, 11 - 4L * k),
                             FeatureSchema.of(base), partitionAllocator)) {
                    RowBatcher batcher = new RowBatcher(shard, base, 3);
                    for (int i = 4 * k; i < Math.min(11, 4 * k + 4); i++) {
                        batcher.add(train.get(i));
                    }
                    batcher.flush();
                    shard.commit();
                }
            }
            assertFalse(split.finished(0), "not yet seen by the writer");
            split.adoptFinished();
            assertTrue(split.finished(0) && split.finished(1) && split.finished(2));
            w.complete();
        }
        assertEquals(StoreManifest.read(tmp.resolve("clean")).splits(), StoreManifest.read(store).splits());
    }

    @Test
    void strictStopsAtTheFirstBadRowKeepingFinishedShards(@TempDir Path tmp) throws Exception {
        try (StoreWriter w = StoreWriter.open(tmp.resolve("s"), regression("float32"), true)) {
            FeatureException e = assertThrows(FeatureException.class,
                    () -> write(w, "train", rows("train", 11, 5), List.of(6), -1));
            assertTrue(e.getMessage().contains("train-6") && e.getMessage().contains("--strict"), e.getMessage());
        }
        StoreManifest m = StoreManifest.read(tmp.resolve("s"));
        assertEquals(1, m.splits().get("train").shards().size(), "shard 0 finished before the bad row");
        assertFalse(Files.exists(tmp.resolve("s/train/part-00001.arrow")));
    }

    @Test
    void anotherTaskOrShapeIsRefusedNamingTheDifference(@TempDir Path tmp) throws Exception {
        try (StoreWriter w = StoreWriter.open(tmp.resolve("s"), regression("float32"), false)) {
            write(w, "train", rows("train", 3, 6), List.of(), -1);
        }
        StoreManifest classification = new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION,
                StoreManifest.IN_PROGRESS, regression("float32").dataset(), StoreManifest.TaskInfo.classification(),
                List.of("a", "b"), 4, "float32", MODALITIES, new LinkedHashMap<>(), null);
        FeatureException e = assertThrows(FeatureException.class,
                () -> StoreWriter.open(tmp.resolve("s"), classification, false));
        assertTrue(e.getMessage().contains("task") && e.getMessage().contains("label names"), e.getMessage());
        Files.writeString(tmp.resolve("other.txt"), "x");
        assertThrows(FeatureException.class, () -> StoreWriter.open(tmp.resolve("other.txt"), classification, false));
        Files.createDirectories(tmp.resolve("notastore"));
        Files.writeString(tmp.resolve("notastore/file"), "x");
        FeatureException notStore = assertThrows(FeatureException.class,
                () -> StoreWriter.open(tmp.resolve("notastore"), classification, false));
        assertTrue(notStore.getMessage().contains("not a feature store"), notStore.getMessage());
        assertNull(StoreWriter.existing(tmp.resolve("absent")));
    }
}
