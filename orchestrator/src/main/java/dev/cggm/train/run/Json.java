package dev.cggm.train.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cggm.train.method.Methods;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The JSON conventions of run directories: snake_case keys, pretty files, atomic writes; every
 * registered method's options read and write under their {@code id}.
 */
public final class Json {
    /** Pretty printer for files. */
    public static final ObjectMapper FILES = Methods.registerOptionTypes(new ObjectMapper())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // an integer option given 2.5 is an error, not 2
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    /** One-line writer for JSON-lines logs. */
    public static final ObjectMapper LINES = FILES.copy().disable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** Writes {@code value} to {@code file} via a temporary file and an atomic rename. */
    public static void writeAtomically(Path file, Object value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        FILES.writeValue(tmp.toFile(), value);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static <T> T read(Path file, Class<T> type) throws IOException {
        return FILES.readValue(file.toFile(), type);
    }
}
