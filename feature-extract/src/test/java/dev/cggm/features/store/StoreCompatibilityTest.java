package dev.cggm.features.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store written by the version-1 extractor (image + text, class labels in {@code label}, no
 * task in its manifest; see src/test/resources/stores/README.md) reads as before.
 */
class StoreCompatibilityTest {
    static Path v1Store() throws Exception {
        return Path.of(StoreCompatibilityTest.class.getResource("/stores/v1-image-text").toURI());
    }

    @Test
    void versionOneManifestReadsAsClassificationWithItsLabelColumn() throws Exception {
        StoreManifest m = StoreManifest.read(v1Store());
        assertEquals(1, m.version());
        assertTrue(m.task().isClassification());
        assertEquals(FeatureSchema.LABEL, m.task().target().column());
        assertEquals("int64", m.task().target().dtype());
        assertEquals(List.of(), m.task().target().shape());
        assertEquals(10, m.labelNames().size());
        assertEquals(List.of("text", "image"), m.modalities().stream().map(StoreManifest.ModalityInfo::name).toList());
        assertEquals("text_length", m.modality("text").lengthColumn());
    }

    @Test
    void everyRowReadsAsTheVersionOneReaderReadIt() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(
                StoreCompatibilityTest.class.getResource("/stores/v1-image-text-expected.json"));
        try (FeatureStore store = FeatureStore.open(v1Store())) {
            assertEquals(List.of("train", "validation", "test"), store.splits());
            for (String split : store.splits()) {
                JsonNode rows = expected.get(split);
                int i = 0;
                try (FeatureStore.Batches batches = store.batches(split)) {
                    for (FeatureBatch b : batches) {
                        for (int r = 0; r < b.rowCount(); r++, i++) {
                            JsonNode e = rows.get(i);
                            assertEquals(e.get("id").asText(), b.id(r));
                            assertEquals(e.get("label").asLong(), b.label(r));
                            assertEquals(e.get("label").asLong(), (long) b.target(r));
                            for (String mod : List.of("text", "image")) {
                                float[] v = b.row(mod, r);
                                double sum = 0;
                                for (float x : v) {
                                    sum += x;
                                }
                                assertTrue(b.hasLengths(mod));
                                assertEquals(e.get(mod + "_length").asInt(), b.length(mod, r));
                                assertEquals((float) e.get(mod + "_first").asDouble(), v[0]);
                                assertEquals((float) e.get(mod + "_last").asDouble(), v[v.length - 1]);
                                assertEquals(e.get(mod + "_sum").asDouble(), sum, 0.0);
                            }
                        }
                    }
                }
                assertEquals(rows.size(), i, split);
                long[] labels = new long[rows.size()];
                int at = 0;
                try (FeatureStore.Batches batches = store.batches(split)) {
                    for (FeatureBatch b : batches) {
                        b.copyTargets(labels, at);
                        at += b.rowCount();
                    }
                }
                for (int k = 0; k < labels.length; k++) {
                    assertEquals(rows.get(k).get("label").asLong(), labels[k]);
                }
            }
        }
    }

    @Test
    void todaysSchemaForAClassificationStoreIsTheVersionOneSchema() throws Exception {
        Path shard = v1Store().resolve("train/part-00000.arrow");
        Schema written;
        try (RootAllocator allocator = new RootAllocator();
             FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
            written = reader.getVectorSchemaRoot().getSchema();
        }
        Schema now = FeatureSchema.of(StoreManifest.read(v1Store()));
        assertEquals(written.getFields().size(), now.getFields().size());
        for (int i = 0; i < written.getFields().size(); i++) {
            Field a = written.getFields().get(i);
            Field b = now.getFields().get(i);
            assertEquals(a.getName(), b.getName());
            assertEquals(a.getType(), b.getType());
            assertEquals(a.isNullable(), b.isNullable());
            assertEquals(a.getChildren().toString(), b.getChildren().toString());
            assertEquals(a.getMetadata(), b.getMetadata());
        }
        assertFalse(now.getCustomMetadata().get("cggm.version").equals("1"), "new shards say they are version 2");
    }
}
