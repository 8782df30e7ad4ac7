package dev.cggm.export;

/** A run that cannot be exported as a pipeline bundle, or a bundle that cannot be used; the message says why and what to do. */
public final class BundleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
