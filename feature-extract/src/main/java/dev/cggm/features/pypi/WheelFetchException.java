package dev.cggm.features.pypi;

import dev.cggm.features.FeatureException;

/** A wheel could not be had: pip or PyPI unavailable, a checksum mismatch, or a wheel without the expected file. */
public final class WheelFetchException extends FeatureException {
    private static final long serialVersionUID = 1L;

    public WheelFetchException(String message) {
        super(message);
    }

    public WheelFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
