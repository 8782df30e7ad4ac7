package dev.cggm.spark;

import dev.cggm.cli.Main;
import dev.cggm.features.FeatureException;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.pipeline.ExtractionEngines;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ProgressListener;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.train.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Extraction on Spark in local mode (2 task slots, 3 attempts per task), one session for the
 * class, against the single-JVM extractor on the same small demo set (one bad entry): the same
 * store byte for byte, a retried task, a resumed run, a strict failure, and training on the result.
 */
class SparkExtractionTest {
    @TempDir
    static Path shared;
    static SparkSession spark;
    static Dataset dataset;
    static Path localStore;
    static Path sparkStore;
    static ExtractionResult sparkResult;

    @BeforeAll
    static void extractBothWays() throws Exception {
        spark = SparkFixtures.localSpark();
        dataset = SparkFixtures.demoWithABadEntry(shared.resolve("demo"));
        localStore = shared.resolve("local");
        ExtractionEngines.get("local").run(localStore, options(false), SparkFixtures.CHOICE, Map.of(),
                ProgressListener.none());
        sparkStore = shared.resolve("spark");
        sparkResult = spark(sparkStore, options(false), Map.of());
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorEncoders.closeAll();
    }

    static ExtractionOptions options(boolean strict) {
        return SparkFixtures.options(dataset, SparkFixtures.CHOICE, strict);
    }

    static ExtractionResult spark(Path store, ExtractionOptions o, Map<String, String> settings) throws Exception {
        return ExtractionEngines.get("spark").run(store, o, SparkFixtures.CHOICE, settings, ProgressListener.none());
    }

    @Test
    void writesTheLocalExtractorsStoreByteForByte() throws Exception {
        assertEquals(3, sparkResult.splits().size());
        assertEquals(96, sparkResult.splits().get("train").samples());
        assertEquals(95, sparkResult.splits().get("train").rows(), "the bad entry is skipped");
        assertEquals(1, sparkResult.splits().get("train").errors());
        Map<String, String> local = SparkFixtures.shardDigests(localStore);
        assertEquals(10, local.size(), "5 shards and their sidecars: " + local.keySet());
        assertEquals(local, SparkFixtures.shardDigests(sparkStore));
        assertEquals(SparkFixtures.withoutExecution(localStore), SparkFixtures.withoutExecution(sparkStore));
        StoreManifest m = StoreManifest.read(sparkStore);
        assertEquals(StoreManifest.COMPLETE, m.status());
        assertTrue(m.execution().device().startsWith("spark local[2,3]"), m.execution().device());
        assertEquals("missing.png", Path.of(m.splits().get("train").errors().get(0).file()).getFileName().toString());
    }

    @Test
    void aFailedTaskAttemptIsRetriedWithoutDuplicateOrMissingRows(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("retried");
        ExtractionResult r = spark(store, options(false), Map.of(SparkEngine.FAIL_FIRST_ATTEMPT, "train/1"));
        assertEquals(95, r.splits().get("train").rows());
        assertEquals(SparkFixtures.shardDigests(localStore), SparkFixtures.shardDigests(store),
                "the retried shard holds each entry once; no attempt files are left");
    }

    @Test
    void aRerunSkipsFinishedShardsAlsoThoseOfTheLocalEngine(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("resumed");
        SparkFixtures.copyTree(localStore, store);
        // an interrupted store: shard train/2 and test/0 not finished, a dead attempt's file lying about
        for (String f : List.of("train/part-00002.arrow", "train/part-00002.json", "test/part-00000.json")) {
            Files.delete(store.resolve(f));
        }
        Files.write(store.resolve("train/part-00002.arrow.attempt-99.tmp"), new byte[] {1, 2, 3});
        ExtractionResult r = spark(store, options(false), Map.of());
        assertEquals(2, r.splits().get("train").resumedShards());
        assertEquals(32, r.splits().get("train").processed());
        assertEquals(0, r.splits().get("validation").processed());
        assertEquals(24, r.splits().get("test").processed());
        assertEquals(SparkFixtures.shardDigests(localStore), SparkFixtures.shardDigests(store));

        ExtractionResult again = spark(store, options(false), Map.of());
        assertEquals(0, again.processed(), "a finished store is not extracted again");
    }

    @Test
    void strictStopsAtTheBadSampleKeepsFinishedShardsAndTheRerunCompletes(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("strict");
        FeatureException e = assertThrows(FeatureException.class, () -> spark(store, options(true), Map.of()));
        assertTrue(e.getMessage().startsWith("bad sample in split train (--strict)"), e.getMessage());
        assertTrue(e.getMessage().contains("missing.png"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(Files.exists(store.resolve("train/part-00001.arrow")), "the failing shard is not committed");
        assertTrue(Files.exists(store.resolve("train/part-00000.arrow")), "finished shards are kept");
        try (Stream<Path> files = Files.list(store.resolve("train"))) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList());
        }

        ExtractionResult r = spark(store, options(false), Map.of());
        assertTrue(r.splits().get("train").resumedShards() >= 1, "finished shards are skipped");
        assertEquals(SparkFixtures.shardDigests(localStore), SparkFixtures.shardDigests(store));
    }

    @Test
    void refusesSettingsWhenASessionIsRunning() {
        FeatureException e = assertThrows(FeatureException.class,
                () -> spark(shared.resolve("x"), options(false), Map.of("spark.master", "local[1]")));
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }

    /** The Spark store trains (tiny preset, CGGM, same seed) to exactly the local store's weights and metrics. */
    @Test
    void trainsToTheSameNumbersAsTheLocalStore(@TempDir Path tmp) throws Exception {
        assertTrainsTheSame(localStore, sparkStore, tmp);
    }

    /** With a float32 text encoder (batch-independent features) too: same store, same training. */
    @Test
    void aFloatTextEncoderGivesTheSameStoreAndTraining(@TempDir Path tmp) throws Exception {
        Path encoder = FloatTextEncoder.write(tmp.resolve("float-text"));
        EncoderChoice choice = new EncoderChoice(encoder.toString(), null, "vit-tiny-seeded", null, null, null, null);
        ExtractionOptions o = SparkFixtures.options(dataset, choice, false);
        Path local = tmp.resolve("local");
        Path viaSpark = tmp.resolve("spark");
        ExtractionEngines.get("local").run(local, o, choice, Map.of(), ProgressListener.none());
        ExtractionEngines.get("spark").run(viaSpark, o, choice, Map.of(), ProgressListener.none());
        assertEquals(List.of(12, FloatTextEncoder.HIDDEN), StoreManifest.read(viaSpark).modalities().get(0).shape());
        assertEquals(SparkFixtures.shardDigests(local), SparkFixtures.shardDigests(viaSpark));
        assertTrainsTheSame(local, viaSpark, tmp);
    }

    private static void assertTrainsTheSame(Path localStore, Path sparkStore, Path tmp) throws Exception {
        Path a = tmp.resolve("local-run");
        Path b = tmp.resolve("spark-run");
        assertEquals(0, Main.run(trainArgs(localStore, a)));
        assertEquals(0, Main.run(trainArgs(sparkStore, b)));
        Map<String, SafeTensors.Entry> pa = new Trainer.Inspector(a).latestParameters();
        Map<String, SafeTensors.Entry> pb = new Trainer.Inspector(b).latestParameters();
        assertEquals(pa.keySet(), pb.keySet());
        for (String k : pa.keySet()) {
            assertArrayEquals(pa.get(k).data(), pb.get(k).data(), k);
        }
        List<String> ea = withoutTimes(a.resolve("metrics/epochs.jsonl"));
        assertEquals(2, ea.size());
        assertEquals(ea, withoutTimes(b.resolve("metrics/epochs.jsonl")));
    }

    private static String[] trainArgs(Path store, Path out) {
        return new String[] {"train", "--features", store.toString(), "--preset", "tiny", "--modulation", "cggm",
                "--out", out.toString(), "--epochs", "2", "--batch-size", "16", "--threads", "2", "--device", "cpu",
                "--seed", "3", "--quiet"};
    }

    private static List<String> withoutTimes(Path f) throws Exception {
        return Files.readAllLines(f).stream().map(l -> l.replaceAll("\"(time_ms|elapsed_s)\":[0-9.eE+-]+,?", "")).toList();
    }
}
