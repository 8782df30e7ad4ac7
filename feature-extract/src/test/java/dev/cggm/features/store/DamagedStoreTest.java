package dev.cggm.features.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.features.Fixtures;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.Extractor;
import dev.cggm.features.pipeline.ProgressListener;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real feature store (a small demo extraction) damaged in each way a reader must catch: every
 * failure is an {@link InvalidStoreException} of one line naming the store's file and what to do
 * — before a damaged file reaches the Arrow reader, and without echoing its bytes.
 */
class DamagedStoreTest {
    @TempDir
    static Path tmp;
    static Path store;
    static ExtractionOptions options;

    @BeforeAll
    static void extract() throws Exception {
        options = Fixtures.options(Fixtures.smallDemo(tmp.resolve("data")));
        store = tmp.resolve("store");
        Extractor.run(store, options, ProgressListener.none());
    }

    @Test
    void anIntactStoreReadsWhole() throws Exception {
        readEverySplit(store);
    }

    @Test
    void aTruncatedShardIsNamedByItsChecksumBeforeItIsParsed() throws Exception {
        Path s = copy("truncated");
        Path shard = s.resolve("train/part-00001.arrow");
        byte[] b = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(b, b.length - 100));
        String m = failure(() -> readEverySplit(s));
        assertTrue(m.contains("shard train/part-00001.arrow is damaged") && m.contains("SHA-256")
                && m.contains("run the same extraction again"), m);
    }

    @Test
    void garbageWithAMatchingChecksumIsNamedWithoutItsBytes() throws Exception {
        Path s = copy("garbage");
        Path shard = s.resolve("train/part-00000.arrow");
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0x3d);
        Files.write(shard, garbage);
        recordChecksum(s, "train/part-00000.arrow");
        String m = failure(() -> readEverySplit(s));
        assertTrue(m.contains("cannot read shard train/part-00000.arrow") && m.contains("not a valid Arrow IPC file"), m);
        assertFalse(m.contains("Magic") || m.contains("61,"), "no raw bytes: " + m);
    }

    @Test
    void aShardPathOutsideTheStoreIsRefusedWithoutOpeningIt() throws Exception {
        Path s = copy("escape");
        editManifest(s, m -> ((ObjectNode) m.path("splits").path("train").path("shards").get(0))
                .put("file", "../../../../../../../../etc/passwd"));
        String m = failure(() -> FeatureStore.open(s).close());
        assertTrue(m.contains("'../../../../../../../../etc/passwd'") && m.contains("leads outside the store"), m);
        assertFalse(m.contains("root:"), m);
    }

    @Test
    void aShardThatIsALinkOutOfTheStoreIsRefused() throws Exception {
        Path s = copy("link");
        Path outside = tmp.resolve("outside-" + System.nanoTime() + ".arrow");
        Path shard = s.resolve("train/part-00000.arrow");
        Files.move(shard, outside);
        Files.createSymbolicLink(shard, outside);
        String m = failure(() -> FeatureStore.open(s).close());
        assertTrue(m.contains("'train/part-00000.arrow'") && m.contains("leads outside the store"), m);
    }

    @Test
    void aManifestThatDisagreesWithItsShardsIsNamedByColumn() throws Exception {
        Path s = copy("shape");
        editManifest(s, m -> {
            for (var mod : m.path("modalities")) {
                if (mod.path("name").asText().equals("text")) {
                    ArrayNode shape = (ArrayNode) mod.path("shape");
                    shape.set(1, shape.get(1).asInt() - 1); // [L, 384] -> [L, 383]
                }
            }
        });
        String m = failure(() -> readEverySplit(s));
        assertTrue(m.contains("does not match the manifest") && m.contains("column 'text' as fixed_size_list<float32>["),
                m);
    }

    @Test
    void nonFiniteFeaturesAreNamedBySplitSampleAndColumn() throws Exception {
        Path s = copy("nan");
        String rel = "validation/part-00000.arrow";
        boolean[] first = {true};
        rewrite(s.resolve(rel), root -> {
            if (first[0]) { // the first batch's first row, value 7
                ((Float4Vector) ((FixedSizeListVector) root.getVector("image")).getDataVector()).set(7, Float.NaN);
                first[0] = false;
            }
        });
        recordChecksum(s, rel);
        String id;
        try (FeatureStore fs = FeatureStore.open(store); var batches = fs.batches("validation")) {
            id = batches.iterator().next().id(0);
        }
        String m = failure(() -> readEverySplit(s));
        assertTrue(m.contains("split 'validation', sample '" + id + "': column 'image' holds NaN (value 7 of"), m);
    }

    @Test
    void aCorruptManifestIsOneLineNamingTheFile() throws Exception {
        Path s = copy("corrupt-manifest");
        Files.writeString(s.resolve(StoreManifest.FILE), "{\"format\": \"cggm-feature-store\", \"version\": ");
        String m = failure(() -> FeatureStore.open(s).close());
        assertTrue(m.contains("manifest.json is not readable") && m.contains("line 1"), m);
        assertFalse(m.contains("\n") || m.contains("Source:"), m);
    }

    @Test
    void aMissingSidecarIsNamed() throws Exception {
        Path s = copy("no-sidecar");
        Files.delete(s.resolve("test/part-00000.json"));
        String m = failure(() -> readEverySplit(s));
        assertTrue(m.contains("shard test/part-00000.arrow has no sidecar test/part-00000.json"), m);
    }

    @Test
    void reRunningTheExtractionRedoesADamagedShard() throws Exception {
        Path s = copy("redo");
        Path shard = s.resolve("train/part-00001.arrow");
        byte[] original = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(original, 64));
        Extractor.run(s, options, ProgressListener.none());
        assertArrayEquals(original, Files.readAllBytes(shard));
        readEverySplit(s);
    }

    private static void readEverySplit(Path dir) {
        try (FeatureStore fs = FeatureStore.open(dir)) {
            for (String split : fs.splits()) {
                try (var batches = fs.batches(split)) {
                    batches.forEach(b -> { });
                }
            }
        }
    }

    private static String failure(Executable e) {
        String m = assertThrows(InvalidStoreException.class, e).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    /** Rewrites a shard in place, changing each record batch with {@code change}. */
    private static void rewrite(Path shard, Consumer<VectorSchemaRoot> change) throws IOException {
        Path out = shard.resolveSibling(shard.getFileName() + ".new");
        try (RootAllocator allocator = new RootAllocator();
             FileChannel in = FileChannel.open(shard, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(in, allocator);
             FileChannel outChannel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            try (ArrowFileWriter writer = new ArrowFileWriter(root, null, outChannel)) {
                writer.start();
                while (reader.loadNextBatch()) {
                    change.accept(root);
                    writer.writeBatch();
                }
                writer.end();
            }
        }
        Files.move(out, shard, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Makes the sidecar and the manifest record the shard's current checksum (as if it had been written so). */
    private static void recordChecksum(Path dir, String rel) throws IOException {
        String sha = StoreChecks.sha256(dir.resolve(rel));
        Path sidecar = StoreLayout.sidecar(dir.resolve(rel));
        ObjectNode side = (ObjectNode) StoreManifest.JSON.readTree(sidecar.toFile());
        side.put("sha256", sha);
        StoreManifest.JSON.writeValue(sidecar.toFile(), side);
        editManifest(dir, m -> m.path("splits").forEach(split -> split.path("shards").forEach(sh -> {
            if (sh.path("file").asText().equals(rel)) {
                ((ObjectNode) sh).put("sha256", sha);
            }
        })));
    }

    private static void editManifest(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path f = dir.resolve(StoreManifest.FILE);
        ObjectNode m = (ObjectNode) StoreManifest.JSON.readTree(f.toFile());
        edit.accept(m);
        StoreManifest.JSON.writeValue(f.toFile(), m);
    }

    private static Path copy(String name) throws IOException {
        Path to = tmp.resolve(name);
        try (Stream<Path> walk = Files.walk(store)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(store.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}
