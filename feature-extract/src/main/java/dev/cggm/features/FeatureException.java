package dev.cggm.features;

/**
 * A failure of feature extraction that stops the run: an encoder whose interface does not match,
 * a tokenizer that does not fit its model, an unreadable dataset or an incompatible store. The
 * message names the file or model concerned and is meant to be shown to the user as is.
 */
public class FeatureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FeatureException(String message) {
        super(message);
    }

    public FeatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
