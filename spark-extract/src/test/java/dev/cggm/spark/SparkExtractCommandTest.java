package dev.cggm.spark;

import dev.cggm.cli.Main;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.store.StoreManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cggm extract --engine spark --master local[2]} from the CLI (the command makes and stops
 * its own Spark session), and its one-line errors.
 */
class SparkExtractCommandTest {
    @Test
    void extractsWithSparkFromTheCommandLineAndResumes(@TempDir Path tmp) throws Exception {
        Path data = DemoDataset.prepare(tmp.resolve("demo"), new DemoDataset.Spec(24, 8, 0, 9));
        Path store = tmp.resolve("store");
        String[] args = {"extract", "--engine", "spark", "--master", "local[2]", "--conf", "spark.driver.memory=1g",
                "--dataset", data.toString(), "--format", "jsonl", "--out", store.toString(), "--device", "cpu",
                "--batch-size", "5", "--shard-size", "10", "--max-length", "12", "--threads", "1", "--image-encoder",
                "vit-tiny-seeded"};
        Captured first = capture(args);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("device spark local[2]"), first.out());
        assertTrue(first.out().matches("(?s).*train\\s+24 samples\\s+24 rows.*"), first.out());
        StoreManifest m = StoreManifest.read(store);
        assertEquals(StoreManifest.COMPLETE, m.status());
        assertEquals(3, m.splits().get("train").shards().size());
        assertTrue(Files.exists(store.resolve("validation/part-00000.arrow")));

        Captured again = capture(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("[3 shards resumed]"), again.out());
    }

    @Test
    void badEngineSettingsAreOneLineErrors(@TempDir Path tmp) throws Exception {
        Path data = DemoDataset.prepare(tmp.resolve("demo"), new DemoDataset.Spec(4, 0, 0, 9));
        String[] common = {"--dataset", data.toString(), "--format", "jsonl", "--out", tmp.resolve("s").toString(),
            "--image-encoder", "vit-tiny-seeded"};
        Captured unknown = capture(concat(new String[] {"extract", "--engine", "flink"}, common));
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown --engine 'flink': use one of [local, spark]"), unknown.err());

        Captured masterWithLocal = capture(concat(new String[] {"extract", "--master", "local[2]"}, common));
        assertEquals(1, masterWithLocal.code());
        assertTrue(masterWithLocal.err().contains("--master and --conf are for --engine spark"), masterWithLocal.err());

        Captured badConf = capture(concat(new String[] {"extract", "--engine", "spark", "--conf", "executor.memory=1g"},
                common));
        assertEquals(1, badConf.code());
        assertTrue(badConf.err().contains("Spark settings start with 'spark.'"), badConf.err());

        // a cluster master needs the cluster jar (not built by the tests) or --conf spark.jars
        Captured noJar = capture(concat(new String[] {"extract", "--engine", "spark", "--master", "yarn-ish://x"},
                common));
        assertEquals(1, noJar.code());
        assertTrue(noJar.err().contains("--master yarn-ish://x: the executors need cggm's classes"), noJar.err());

        Path jar = java.nio.file.Files.createFile(tmp.resolve("cggm-spark.jar"));
        Captured badMaster = capture(concat(new String[] {"extract", "--engine", "spark", "--master", "yarn-ish://x",
            "--conf", "spark.jars=" + jar}, common));
        assertEquals(1, badMaster.code());
        assertTrue(badMaster.err().startsWith("error: cannot start Spark (master yarn-ish://x)"), badMaster.err());
        for (Captured c : new Captured[] {unknown, masterWithLocal, badConf, noJar, badMaster}) {
            assertFalse(c.err().contains("\tat "), c.err());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    record Captured(int code, String out, String err) {
    }

    private static synchronized Captured capture(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Captured(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
