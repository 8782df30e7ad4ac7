package dev.cggm.features.store;

import dev.cggm.features.Fixtures;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.Extractor;
import dev.cggm.features.pipeline.ProgressListener;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shards written under an attempt tag: own temporary files, atomic commit, leftovers removable. */
class ShardAttemptTest {
    @Test
    void twoAttemptsAtOneShardUseTheirOwnFilesAndTheCommittedOneVerifies(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        ExtractionOptions o = Fixtures.options(Fixtures.smallDemo(tmp.resolve("data")));
        Extractor.run(store, o, ProgressListener.none());
        StoreManifest m = StoreManifest.read(store);
        try (RootAllocator allocator = new RootAllocator();
             Shard a = Shard.create(store, "test", 0, 0, 6, FeatureSchema.of(m), allocator, "attempt-1");
             Shard b = Shard.create(store, "test", 0, 0, 6, FeatureSchema.of(m), allocator, "attempt-2")) {
            assertTrue(Files.exists(store.resolve("test/part-00000.arrow.attempt-1.tmp")));
            assertTrue(Files.exists(store.resolve("test/part-00000.arrow.attempt-2.tmp")));
            // attempt 1 dies here; attempt 2 commits an empty shard covering the 6 entries as bad
            for (int i = 0; i < 6; i++) {
                b.bad(new StoreManifest.SampleError("s" + i, null, "test"));
            }
            b.commit();
            assertFalse(Files.exists(store.resolve("test/part-00000.arrow.attempt-2.tmp")));
            assertNotNull(Shard.finished(store, "test", 0, 0, 6), "the committed shard verifies");
            assertEquals(1, Shard.deleteAttemptLeftovers(store, "test"), "attempt 1's file");
        }
        assertEquals(0, Shard.deleteAttemptLeftovers(store, "test"));
        assertEquals(0, Shard.deleteAttemptLeftovers(store, "no-such-split"));
    }

    @Test
    void attemptTagsAreNamesNotPaths(@TempDir Path tmp) {
        assertThrows(IllegalArgumentException.class, () -> Shard.create(tmp, "train", 0, 0, 1,
                new org.apache.arrow.vector.types.pojo.Schema(java.util.List.of()), null, "../x"));
    }
}
