package dev.cggm.train.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The JSON conventions of run directories: snake_case keys, pretty files, atomic writes. */
public final class Json {
    /** Pretty printer for files. */
    public static final ObjectMapper FILES = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
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

    /**
     * A failure to read a file as one line for a user: Jackson's own message without the parser's
     * source excerpt, with where in the file (e.g. {@code Unexpected end-of-input … at line 3,
     * column 1}); other failures by their message's first line.
     */
    public static String describe(Throwable e) {
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            String what = firstLine(j.getOriginalMessage());
            return at == null || at.getLineNr() < 1 ? what
                    : what + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getReason() != null ? n.getReason() : "no such file: " + n.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }
}
