package dev.cggm.features.pipeline;

import dev.cggm.features.Fixtures;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DatasetFormat;
import dev.cggm.features.datasets.Food101Dataset;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.StoreManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Food-101-layout sample in test resources (18 good entries with RGB, greyscale, CMYK,
 * progressive JPEG and PNG images of 80×60, resized to the encoder's 64×64; plus one missing
 * image, one unknown label and one empty text) extracts end to end.
 */
class Food101ExtractTest {
    @Test
    void extractsTheFood101LayoutSample(@TempDir Path tmp) throws Exception {
        Path dir = Path.of(Food101ExtractTest.class.getResource("/food101-sample").toURI());
        Dataset ds = DatasetFormat.FOOD101.open(dir);
        ExtractionResult r = Extractor.run(tmp.resolve("store"), Fixtures.options(ds), ProgressListener.none());
        assertEquals(List.of("train", "dev", "test"), List.copyOf(r.splits().keySet()));
        assertEquals(10, r.splits().get("train").rows());
        assertEquals(4, r.splits().get("dev").rows());
        assertEquals(4, r.splits().get("test").rows());
        StoreManifest m = StoreManifest.read(tmp.resolve("store"));
        assertEquals(Food101Dataset.CLASS_NAMES, m.labelNames());
        assertEquals("image not found", m.splits().get("train").errors().get(0).reason());
        assertEquals("unknown_1", m.splits().get("dev").errors().get(0).id());
        assertEquals("empty text", m.splits().get("test").errors().get(0).reason());
        try (FeatureStore fs = FeatureStore.open(tmp.resolve("store")); var b = fs.batches("train")) {
            var first = b.iterator().next();
            assertEquals("apple_pie_0", first.id(0));
            assertEquals(0, first.label(0));
            assertEquals(76, first.label(1)); // pizza in the reference's class list
        }
    }
}
