package dev.cggm.features;

import java.nio.file.Path;

/**
 * One sample cannot be used (missing or corrupt image, empty text, unknown label, …). By default
 * the sample is skipped and listed in the store manifest; with {@code --strict} it stops the run.
 */
public final class BadSampleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String sampleId;
    private final transient Path file;
    private final String reason;

    /**
     * @param sampleId the sample's id (or a position such as {@code line 17} when it has none)
     * @param file     the file concerned (image, manifest), or null
     * @param reason   what is wrong, in a few words
     */
    public BadSampleException(String sampleId, Path file, String reason) {
        this(sampleId, file, reason, null);
    }

    public BadSampleException(String sampleId, Path file, String reason, Throwable cause) {
        super("sample " + sampleId + ": " + reason + (file == null ? "" : " (" + file + ")"), cause);
        this.sampleId = sampleId;
        this.file = file;
        this.reason = reason;
    }

    public String sampleId() {
        return sampleId;
    }

    /** The file concerned, or null. */
    public Path file() {
        return file;
    }

    public String reason() {
        return reason;
    }
}
