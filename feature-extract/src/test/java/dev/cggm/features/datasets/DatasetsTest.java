package dev.cggm.features.datasets;

import dev.cggm.features.FeatureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetsTest {
    @Test
    void readsTheReferenceFood101Layout(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("train.json"), """
                [{"id": "pizza_1", "text_tokens": ["margherita", "pizza", "recipe"], "img_path": "images/train/pizza_1.jpg", "label": "pizza"},
                 {"id": 17, "text_tokens": "plain string", "img_path": "images/train/x.jpg", "label": "waffles"},
                 {"id": "noimg", "text_tokens": [], "label": "pizza"}]""");
        Files.writeString(dir.resolve("test.json"), "[]");
        Dataset ds = DatasetFormat.FOOD101.open(dir);
        assertEquals(List.of("train", "test"), ds.splits());
        assertEquals(101, ds.labelNames().size());
        assertEquals(76, ds.labelNames().indexOf("pizza"));
        assertEquals(3, ds.size("train"));
        List<Sample> s = read(ds, "train");
        assertEquals("margherita pizza recipe", s.get(0).text());
        assertEquals(dir.resolve("images/train/pizza_1.jpg").toAbsolutePath().normalize(), s.get(0).image());
        assertEquals("17", s.get(1).id());
        assertEquals("plain string", s.get(1).text());
        assertNull(s.get(0).problem());
        assertEquals("entry has no \"img_path\"", s.get(2).problem());
        assertEquals(2, s.get(2).position());
        assertThrows(FeatureException.class, () -> DatasetFormat.FOOD101.open(dir.resolve("nowhere")));
    }

    @Test
    void readsJsonlManifests(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("manifest.jsonl"), """
                {"id": "a", "text": "t", "image": "a.png", "label": "y", "split": "test"}
                {"id": "b", "text": "t", "image": "b.png", "label": "x", "split": "train"}

                {"id": "c", "text": "t", "image": "/abs/c.png", "label": "z", "split": "train"}
                """);
        Dataset ds = DatasetFormat.JSONL.open(dir);
        assertEquals(List.of("train", "test"), ds.splits());
        assertEquals(List.of("x", "z"), ds.labelNames(), "labels of the train split, sorted");
        List<Sample> test = read(ds, "test");
        assertEquals(1, test.size());
        assertEquals(dir.resolve("a.png").toAbsolutePath().normalize(), test.get(0).image());
        assertEquals(Path.of("/abs/c.png"), read(ds, "train").get(1).image());

        Files.writeString(dir.resolve("manifest.jsonl"), "{\"id\": \"a\"}\n");
        FeatureException e = assertThrows(FeatureException.class, () -> DatasetFormat.JSONL.open(dir));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void demoIsDeterministicBalancedAndComplete(@TempDir Path tmp) throws Exception {
        DemoDataset.Spec spec = new DemoDataset.Spec(40, 10, 10, 5);
        Path a = DemoDataset.prepare(tmp.resolve("a"), spec);
        Path b = DemoDataset.prepare(tmp.resolve("b"), spec);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/images/train/train-00007.png")),
                Files.readAllBytes(tmp.resolve("b/images/train/train-00007.png")));
        long before = Files.getLastModifiedTime(a).toMillis();
        DemoDataset.prepare(tmp.resolve("a"), spec);
        assertEquals(before, Files.getLastModifiedTime(a).toMillis(), "prepared twice: nothing regenerated");

        Dataset ds = JsonlDataset.open(a);
        assertEquals(DemoDataset.CLASSES, ds.labelNames());
        assertEquals(List.of("train", "validation", "test"), ds.splits());
        int[] perClass = new int[10];
        int named = 0;
        for (Sample s : read(ds, "train")) {
            perClass[ds.labelNames().indexOf(s.label())]++;
            assertTrue(Files.isRegularFile(s.image()), s.image().toString());
            named += s.text().matches(".*\\b(circle|disc|round|square|box|block|triangle|wedge|pyramid|cross|plus|crossing"
                    + "|ring|donut|hoop|diamond|rhombus|lozenge|star|asterisk|sparkle|stripes|bars|lines|crescent|moon"
                    + "|sickle|arrow|pointer|chevron)\\b.*") ? 1 : 0;
        }
        assertArrayEquals(new int[] {4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, perClass);
        assertTrue(named >= 24 && named <= 40, "about 80% of texts name their class: " + named);
    }

    private static List<Sample> read(Dataset ds, String split) throws Exception {
        List<Sample> out = new ArrayList<>();
        try (SampleStream s = ds.open(split)) {
            s.forEachRemaining(out::add);
        }
        return out;
    }
}
