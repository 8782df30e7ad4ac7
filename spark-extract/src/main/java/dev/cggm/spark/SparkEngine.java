package dev.cggm.spark;

import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.pipeline.ExtractionEngine;
import dev.cggm.features.pipeline.ExtractionEngines;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ProgressListener;
import org.apache.spark.sql.SparkSession;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --engine spark}: extraction as a Spark job ({@link SparkExtraction}). Settings are Spark
 * configuration ({@code spark.master}, {@code spark.executor.memory}, …). The session is made
 * here unless one is running (spark-submit, a notebook): master from the settings, else from
 * spark-submit ({@code spark.master} system property), else {@code local[*]}; the web UI is off
 * unless asked for. A session made here is stopped at the end.
 */
public final class SparkEngine implements ExtractionEngine {
    /** Tests only: {@code split/index} of a shard whose first task attempt fails after one record batch. */
    public static final String FAIL_FIRST_ATTEMPT = "cggm.test.failFirstAttemptOf";
    /** The spark-submit jar's name in spark-extract/target. */
    public static final String CLUSTER_JAR = "cggm-spark.jar";
    /** Loggers too chatty at INFO under slf4j-simple (the CLI's binding). */
    private static final List<String> QUIET = List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop",
            "io.netty", "org.apache.parquet", "org.apache.kerby", "org.apache.commons.crypto");

    @Override
    public String name() {
        return ExtractionEngines.SPARK;
    }

    @Override
    public ExtractionResult run(Path store, ExtractionOptions options, EncoderChoice encoders, Map<String, String> settings,
                                ProgressListener progress) throws Exception {
        Map<String, String> conf = new LinkedHashMap<>(settings);
        String fail = conf.remove(FAIL_FIRST_ATTEMPT);
        for (String k : conf.keySet()) {
            if (!k.startsWith("spark.")) {
                throw new FeatureException("--conf " + k + "=…: Spark settings start with 'spark.'");
            }
        }
        quietSparkLogging();
        SparkSession running = SparkSession.getActiveSession().getOrElse(() -> null);
        if (running != null && !conf.isEmpty()) {
            throw new FeatureException("a Spark session is already running (spark-submit or a notebook): pass --master "
                    + "and --conf to spark-submit instead of cggm");
        }
        SparkSession spark = running != null ? running : create(conf);
        try {
            return new SparkExtraction(spark, store, options, encoders, progress, fail).run();
        } finally {
            if (running == null) {
                boolean local = spark.sparkContext().isLocal();
                spark.stop();
                if (local) {
                    ExecutorEncoders.closeAll(); // the executor was this JVM
                }
            }
        }
    }

    private static SparkSession create(Map<String, String> conf) {
        SparkSession.Builder b = SparkSession.builder().appName("cggm extract");
        if (!conf.containsKey("spark.master") && System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        if (!conf.containsKey("spark.ui.enabled") && System.getProperty("spark.ui.enabled") == null) {
            b.config("spark.ui.enabled", "false");
        }
        conf.forEach(b::config);
        String master = conf.getOrDefault("spark.master", System.getProperty("spark.master", "local[*]"));
        if (!master.startsWith("local") && !conf.containsKey("spark.jars") && System.getProperty("spark.jars") == null) {
            b.config("spark.jars", clusterJar(master).toString()); // executors need our classes
        }
        try {
            return b.getOrCreate();
        } catch (Exception e) { // also SparkException, checked but undeclared
            throw new FeatureException("cannot start Spark (master " + conf.getOrDefault("spark.master",
                    System.getProperty("spark.master", "local[*]")) + "): " + firstLine(e), e);
        }
    }

    /**
     * The spark-submit jar, shipped to the executors when the driver runs here (./cggm) against
     * a cluster.
     */
    private static Path clusterJar(String master) {
        String home = System.getProperty("cggm.home");
        Path jar = home == null ? null : Path.of(home, "spark-extract", "target", CLUSTER_JAR);
        if (jar == null || !java.nio.file.Files.isRegularFile(jar)) {
            throw new FeatureException("--master " + master + ": the executors need cggm's classes; build the cluster "
                    + "jar first (mvn -Pspark-submit -DskipTests package -pl spark-extract -am), or pass --conf "
                    + "spark.jars=PATH");
        }
        return jar;
    }

    /** Spark logs much at INFO; under slf4j-simple keep its loggers at WARN unless the user set them. */
    private static void quietSparkLogging() {
        if (!LoggerFactory.getILoggerFactory().getClass().getName().startsWith("org.slf4j.simple")) {
            return; // spark-submit: log4j2 with Spark's own configuration
        }
        for (String logger : QUIET) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, logger.equals("org.apache.hadoop") ? "error" : "warn");
            }
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
