package dev.cggm.spark;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.datasets.JsonlDataset;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.runtime.ExecutionDevice;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A small demo dataset with one bad entry, extraction options that cut shards and batches, and a local Spark session. */
final class SparkFixtures {
    /** Entries per shard: train (96) is 3 shards, validation and test (24 each) one each. */
    static final int SHARD = 32;
    /** Samples per batch: a shard's last batch is short (32 = 12 + 12 + 8; 11 with the bad entry). */
    static final int BATCH = 12;

    /** The default text encoder (quantized MiniLM) and the seeded ViT (built in memory: fast, no download). */
    static final EncoderChoice CHOICE = new EncoderChoice(Encoders.DEFAULT_TEXT, null, "vit-tiny-seeded", null, null,
            null, null);

    private SparkFixtures() {
    }

    /** The demo dataset (96 / 24 / 24), train entry 40 pointing at a missing image (a bad sample, in shard 1). */
    static Dataset demoWithABadEntry(Path dir) throws IOException {
        Path manifest = DemoDataset.prepare(dir, new DemoDataset.Spec(96, 24, 24, 5));
        List<String> lines = new ArrayList<>(Files.readAllLines(manifest));
        int train = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"split\":\"train\"") || lines.get(i).contains("\"split\": \"train\"")) {
                if (train++ == 40) {
                    lines.set(i, lines.get(i).replaceFirst("\"image\"\\s*:\\s*\"[^\"]+\"", "\"image\":\"missing.png\""));
                }
            }
        }
        if (train != 96) {
            throw new IllegalStateException("demo manifest format changed: " + train + " train lines found");
        }
        Files.write(manifest, lines);
        return JsonlDataset.open(manifest);
    }

    /** The default encoders on CPU, short texts, 2 ORT threads, the shard and batch sizes above. */
    static ExtractionOptions options(Dataset ds, EncoderChoice choice, boolean strict) {
        ImageEncoderSpec image = choice.imageSpec();
        return new ExtractionOptions(ds, choice.textSpec(), image, choice.preprocessing(image), 12, ExecutionDevice.CPU,
                2, 2, BATCH, SHARD, Pooling.NONE, Pooling.NONE, Precision.FLOAT32, strict, List.of(), 0);
    }

    /** Local mode with 2 task slots and up to 3 attempts per task; no web UI. */
    static SparkSession localSpark() {
        return SparkSession.builder().master("local[2,3]").appName("cggm-spark-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    /** SHA-256 of every file under a store, by relative path (the manifest left out). */
    static Map<String, String> shardDigests(Path store) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String rel = store.relativize(f).toString();
                if (!rel.equals(StoreManifest.FILE)) {
                    out.put(rel, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                }
            }
        }
        return out;
    }

    /** The manifest without its execution record (device, engine), which says where it ran. */
    static StoreManifest withoutExecution(Path store) {
        StoreManifest m = StoreManifest.read(store);
        return new StoreManifest(m.format(), m.version(), m.status(), m.dataset(), m.task(), m.labelNames(), m.shardSize(),
                m.precision(), m.modalities(), m.splits(), null);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }
}
