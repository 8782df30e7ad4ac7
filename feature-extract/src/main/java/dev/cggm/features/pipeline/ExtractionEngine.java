package dev.cggm.features.pipeline;

import dev.cggm.features.encoders.EncoderChoice;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where an extraction runs: {@code local} (this JVM, {@link Extractor}) or an engine found on the
 * class path through {@link java.util.ServiceLoader} (e.g. {@code spark}, in the spark-extract
 * module). Every engine writes the same feature store.
 */
public interface ExtractionEngine {
    /** The name {@code --engine} selects it by. */
    String name();

    /**
     * Extracts into {@code store}.
     *
     * @param options  the run; its encoder specs are those {@code encoders} resolves to in this JVM
     * @param encoders the encoders as named, for JVMs that open them again (executors)
     * @param settings the engine's own settings (e.g. {@code spark.master}); the local engine takes none
     */
    ExtractionResult run(Path store, ExtractionOptions options, EncoderChoice encoders, Map<String, String> settings,
                         ProgressListener progress) throws Exception;
}
