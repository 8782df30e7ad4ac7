package dev.cggm.features.pipeline;

import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.EncoderChoice;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Extraction engines by name: {@code local}, and those on the class path. */
public final class ExtractionEngines {
    public static final String LOCAL = "local";
    public static final String SPARK = "spark";

    private ExtractionEngines() {
    }

    /**
     * The engine called {@code name}.
     *
     * @throws FeatureException naming the engines there are, or how to get Spark's
     */
    public static ExtractionEngine get(String name) {
        if (name.equals(LOCAL)) {
            return new Local();
        }
        List<String> names = new ArrayList<>(List.of(LOCAL));
        for (ExtractionEngine e : ServiceLoader.load(ExtractionEngine.class)) {
            if (e.name().equals(name)) {
                return e;
            }
            names.add(e.name());
        }
        if (name.equals(SPARK)) {
            throw new FeatureException("--engine spark: the Spark engine is not on the class path; run it through "
                    + "./cggm (which builds and adds it), or submit spark-extract's cggm-spark.jar with spark-submit");
        }
        throw new FeatureException("unknown --engine '" + name + "': use one of " + names);
    }

    /** This JVM: the {@link Extractor} pipeline. */
    private static final class Local implements ExtractionEngine {
        @Override
        public String name() {
            return LOCAL;
        }

        @Override
        public ExtractionResult run(Path store, ExtractionOptions options, EncoderChoice encoders,
                                    Map<String, String> settings, ProgressListener progress) throws Exception {
            if (!settings.isEmpty()) {
                throw new FeatureException("--engine local takes no engine settings (got " + settings.keySet()
                        + "); --master and --conf are for --engine spark");
            }
            return Extractor.run(store, options, progress);
        }
    }
}
