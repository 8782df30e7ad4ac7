package dev.cggm.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.store.FeatureBatch;
import dev.cggm.features.store.FeatureStore;
import dev.cggm.features.store.StoreManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stores written by {@code cggm extract} read back by pyarrow, value for value as the Java reader sees them. */
class FeatureStorePyarrowTest {
    @Test
    void float32FullSequenceStoreIsReadableByPyarrow(@TempDir Path tmp) throws Exception {
        Path data = DemoDataset.prepare(tmp.resolve("demo"), new DemoDataset.Spec(20, 6, 6, 11));
        Path store = tmp.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out",
                store.toString(), "--device", "cpu", "--batch-size", "4", "--shard-size", "8", "--max-length", "24"));
        check(store, tmp);
    }

    @Test
    void float16PooledStoreIsReadableByPyarrow(@TempDir Path tmp) throws Exception {
        Path data = DemoDataset.prepare(tmp.resolve("demo"), new DemoDataset.Spec(12, 0, 5, 12));
        Path store = tmp.resolve("store");
        assertEquals(0, Main.run("extract", "--dataset", data.toString(), "--format", "jsonl", "--out",
                store.toString(), "--device", "cpu", "--batch-size", "5", "--precision", "float16",
                "--pooling", "text=mean", "--pooling", "image=cls"));
        check(store, tmp);
    }

    private static void check(Path store, Path tmp) throws Exception {
        Map<String, Object> splits = new LinkedHashMap<>();
        try (FeatureStore fs = FeatureStore.open(store)) {
            StoreManifest m = fs.manifest();
            for (String split : fs.splits()) {
                List<String> ids = new ArrayList<>();
                List<Long> labels = new ArrayList<>();
                Map<String, List<Integer>> lengths = new LinkedHashMap<>();
                Map<String, List<Double>> sums = new LinkedHashMap<>();
                Map<String, List<List<Float>>> leading = new LinkedHashMap<>();
                for (StoreManifest.ModalityInfo mod : m.modalities()) {
                    lengths.put(mod.name(), new ArrayList<>());
                    sums.put(mod.name(), new ArrayList<>());
                    leading.put(mod.name(), new ArrayList<>());
                }
                try (FeatureStore.Batches batches = fs.batches(split)) {
                    for (FeatureBatch b : batches) {
                        for (int r = 0; r < b.rowCount(); r++) {
                            ids.add(b.id(r));
                            labels.add(b.label(r));
                            for (StoreManifest.ModalityInfo mod : m.modalities()) {
                                float[] row = b.row(mod.name(), r);
                                double sum = 0;
                                for (float v : row) {
                                    sum += v;
                                }
                                List<Float> lead = new ArrayList<>();
                                for (int i = 0; i < 8; i++) {
                                    lead.add(row[i]);
                                }
                                lengths.get(mod.name()).add(b.length(mod.name(), r));
                                sums.get(mod.name()).add(sum);
                                leading.get(mod.name()).add(lead);
                            }
                        }
                    }
                }
                assertTrue(ids.size() > 0);
                splits.put(split, Map.of("rows", ids.size(), "ids", ids, "labels", labels, "lengths", lengths,
                        "sums", sums, "leading", leading));
            }
        }
        Path expected = tmp.resolve("expected-" + store.getFileName() + ".json");
        new ObjectMapper().writeValue(expected.toFile(), Map.of("splits", splits));
        String out = PythonEnv.run("check_store.py", store.toString(), expected.toString());
        assertTrue(out.contains(", 0 failed"), out);
    }
}
