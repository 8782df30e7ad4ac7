package dev.cggm.features.pipeline;

import dev.cggm.features.FeatureException;
import dev.cggm.features.Fixtures;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.store.StoreManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumeTest {
    /** A run killed in the middle of a shard, re-run, gives the same files as an uninterrupted run. */
    @Test
    void resumeAfterAnInterruptedRunGivesIdenticalFiles(@TempDir Path tmp) throws Exception {
        Dataset ds = Fixtures.smallDemo(tmp.resolve("data"));
        ExtractionOptions o = Fixtures.options(ds);
        Path reference = tmp.resolve("reference");
        Extractor.run(reference, o, ProgressListener.none());

        Path store = tmp.resolve("interrupted");
        // "crash" after 13 entries of train: shard 0 (entries 0-7) is finished, shard 1 is in flight
        FeatureException crash = assertThrows(FeatureException.class,
                () -> Extractor.run(store, o, crashAfter(13)));
        assertEquals("simulated crash", crash.getMessage());
        assertTrue(Files.exists(store.resolve("train/part-00000.arrow")));
        assertTrue(Files.exists(store.resolve("train/part-00000.json")));
        assertFalse(Files.exists(store.resolve("train/part-00001.arrow")), "shard in flight is not published");
        assertFalse(Files.exists(store.resolve("train/part-00001.arrow.tmp")), "its partial file is removed");
        assertEquals(StoreManifest.IN_PROGRESS, StoreManifest.read(store).status());
        // what a hard kill would leave behind: a partial temp file and an unconfirmed shard file
        Files.write(store.resolve("train/part-00001.arrow.tmp"), new byte[] {1, 2, 3});
        Files.write(store.resolve("train/part-00002.arrow"), new byte[] {4, 5, 6});

        long[] processed = new long[1];
        ExtractionResult r = Extractor.run(store, o, counting(processed));
        assertEquals(1, r.splits().get("train").resumedShards());
        assertEquals(32 - 8, processed[0], "only unfinished shards are processed again");
        Files.deleteIfExists(store.resolve("train/part-00001.arrow.tmp"));
        assertEquals(StoreManifest.COMPLETE, StoreManifest.read(store).status());

        Map<String, byte[]> a = files(reference);
        Map<String, byte[]> b = files(store);
        assertEquals(a.keySet(), b.keySet());
        for (String f : a.keySet()) {
            if (!f.equals(StoreManifest.FILE)) {
                assertArrayEquals(a.get(f), b.get(f), f);
            }
        }
        // the manifest differs only in where the stores are: nothing (same dataset, same settings)
        assertArrayEquals(a.get(StoreManifest.FILE), b.get(StoreManifest.FILE));

        // a finished store re-run does nothing
        long[] again = new long[1];
        Extractor.run(store, o, counting(again));
        assertEquals(0, again[0]);
    }

    @Test
    void refusesToResumeWithDifferentSettings(@TempDir Path tmp) throws Exception {
        Dataset ds = Fixtures.smallDemo(tmp.resolve("data"));
        ExtractionOptions o = Fixtures.options(ds);
        Path store = tmp.resolve("s");
        Extractor.run(store, new ExtractionOptions(ds, o.text(), o.image(), o.imagePreprocessing(), o.maxLength(),
                o.device(), o.threads(), o.workers(), o.batchSize(), o.shardSize(), o.textPooling(), o.imagePooling(),
                o.precision(), false, List.of("test"), 0), ProgressListener.none());
        ExtractionOptions longer = new ExtractionOptions(ds, o.text(), o.image(), o.imagePreprocessing(), 24,
                o.device(), o.threads(), o.workers(), o.batchSize(), o.shardSize(), o.textPooling(), o.imagePooling(),
                o.precision(), false, List.of(), 0);
        FeatureException e = assertThrows(FeatureException.class, () -> Extractor.run(store, longer, ProgressListener.none()));
        assertTrue(e.getMessage().contains("different settings") && e.getMessage().contains("modality text"), e.getMessage());

        Path notAStore = tmp.resolve("other");
        Files.createDirectories(notAStore);
        Files.writeString(notAStore.resolve("keep.txt"), "user data");
        FeatureException e2 = assertThrows(FeatureException.class, () -> Extractor.run(notAStore, o, ProgressListener.none()));
        assertTrue(e2.getMessage().contains("not a feature store"), e2.getMessage());
        assertEquals("user data", Files.readString(notAStore.resolve("keep.txt")));
    }

    private static ProgressListener crashAfter(long n) {
        return new ProgressListener() {
            long seen;

            @Override
            public void splitStarted(String split, long total, long done) {
            }

            @Override
            public void advanced(long k) {
                seen += k;
                if (seen >= n) {
                    throw new FeatureException("simulated crash");
                }
            }

            @Override
            public void splitFinished(String split, long rows, long errors) {
            }
        };
    }

    private static ProgressListener counting(long[] n) {
        return new ProgressListener() {
            @Override
            public void splitStarted(String split, long total, long done) {
            }

            @Override
            public void advanced(long k) {
                n[0] += k;
            }

            @Override
            public void splitFinished(String split, long rows, long errors) {
            }
        };
    }

    private static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }
}
