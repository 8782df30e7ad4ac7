package dev.cggm.onnx.artifacts;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.file.NoSuchFileException;

/**
 * Failures to read the project's JSON files (manifests, sidecars, run configurations) as one line
 * for a user. Jackson's messages span lines and quote the parser's source; users get what is
 * wrong and where, e.g. {@code Unexpected end-of-input: expected close marker for Object at line
 * 3, column 1}.
 */
public final class JsonErrors {
    private JsonErrors() {
    }

    /** One line: Jackson's own message and position, or any other failure's first message line. */
    public static String describe(Throwable e) {
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            String what = firstLine(j.getOriginalMessage());
            return at == null || at.getLineNr() < 1 ? what
                    : what + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        }
        if (e instanceof NoSuchFileException n) {
            return n.getReason() != null ? n.getReason() : "no such file: " + n.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    }

    /** The first line of a message (messages shown to users are one line). */
    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }
}
