package dev.cggm.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.features.store.FeatureRow;
import dev.cggm.features.store.RowBatcher;
import dev.cggm.features.store.Shard;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreWriter;
import dev.cggm.onnx.tasks.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FeatureStoreData}: the task, classes, shapes and targets come from the store's manifest. */
class FeatureStoreDataTest {
    /** The version-1 store checked in under feature-extract's test resources (see its README). */
    private static Path v1Store() {
        Path p = Path.of("../feature-extract/src/test/resources/stores/v1-image-text").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(p), "fixture store not found at " + p);
        return p;
    }

    @Test
    void aVersionOneImageTextStoreLoadsAsClassificationWithItsLabels() throws Exception {
        InMemoryFeatureData d = FeatureStoreData.load(v1Store());
        assertEquals(Tasks.CLASSIFICATION, d.task());
        assertEquals(10, d.numClasses());
        assertEquals(List.of(new ModalityShape("text", 1, 384), new ModalityShape("image", 1, 192)), d.modalities());
        JsonNode expected = new ObjectMapper().readTree(v1Store().resolveSibling("v1-image-text-expected.json").toFile());
        JsonNode train = expected.get("train");
        assertEquals(train.size(), d.train().size());
        for (int i = 0; i < train.size(); i++) {
            assertEquals(train.get(i).get("id").asText(), d.train().id(i));
            assertEquals(train.get(i).get("label").asLong(), d.train().targets().label(i));
        }
        assertEquals(0, d.train().targets().perSampleShape().length, "one class index per sample");
    }

    @Test
    void aRegressionStoreOfThreeModalitiesLoadsItsValuesAsTargets(@TempDir Path tmp) throws Exception {
        List<StoreManifest.ModalityInfo> mods = List.of(
                StoreManifest.ModalityInfo.imported("text", "t", List.of(3, 2), null, null),
                StoreManifest.ModalityInfo.imported("audio", "a", List.of(3, 1), null, null),
                StoreManifest.ModalityInfo.imported("vision", "v", List.of(4), null, null));
        StoreManifest base = new StoreManifest(StoreManifest.FORMAT, StoreManifest.VERSION, StoreManifest.IN_PROGRESS,
                new StoreManifest.DatasetInfo("test", "-", "0"), StoreManifest.TaskInfo.regression("sentiment",
                List.of(-3.0, 3.0)), List.of(), 2, "float32", mods, new LinkedHashMap<>(), null);
        Path dir = tmp.resolve("store");
        float[] values = {-2.5f, 0.25f, 3f};
        try (StoreWriter w = StoreWriter.open(dir, base, false)) {
            for (String split : List.of("train", "validation", "test")) {
                StoreWriter.Split s = w.split(split, values.length);
                for (int k = 0; k < s.shardCount(); k++) {
                    try (Shard shard = s.open(k)) {
                        RowBatcher rows = new RowBatcher(shard, base, 8);
                        for (int i = 2 * k; i < Math.min(values.length, 2 * k + 2); i++) {
                            Map<String, float[]> f = new LinkedHashMap<>();
                            f.put("text", new float[] {i, i, i, i, i, i});
                            f.put("audio", new float[] {-i, -i, -i});
                            f.put("vision", new float[] {1, 2, 3, i});
                            rows.add(new FeatureRow(split + i, values[i], f, Map.of()));
                        }
                        rows.flush();
                        s.commit(shard);
                    }
                }
            }
            w.complete();
        }
        InMemoryFeatureData d = FeatureStoreData.load(dir);
        assertEquals(Tasks.REGRESSION, d.task());
        assertEquals(1, d.numClasses());
        assertEquals(List.of(new ModalityShape("text", 3, 2), new ModalityShape("audio", 3, 1),
                new ModalityShape("vision", 1, 4)), d.modalities());
        assertArrayEquals(new long[] {1}, d.test().targets().perSampleShape(), "one value per sample, [1]");
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], d.test().targets().value(i));
        }
        FloatBuffer vision = FloatBuffer.allocate(8);
        d.train().gather("vision", new int[] {2, 0}, vision);
        assertArrayEquals(new float[] {1, 2, 3, 2, 1, 2, 3, 0}, vision.array());
    }

    @Test
    void anIncompleteStoreIsRefusedSayingWhatToDo(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("store");
        copyTree(v1Store(), copy);
        String manifest = Files.readString(copy.resolve("manifest.json")).replace("\"complete\"", "\"in_progress\"");
        Files.writeString(copy.resolve("manifest.json"), manifest);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureStoreData.load(copy));
        assertTrue(e.getMessage().contains("incomplete") && e.getMessage().contains("again"), e.getMessage());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }
}
