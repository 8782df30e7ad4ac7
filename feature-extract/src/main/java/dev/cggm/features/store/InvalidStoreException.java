package dev.cggm.features.store;

import dev.cggm.features.FeatureException;

/**
 * A feature store that cannot be used as it is: its manifest, a sidecar or a shard is damaged,
 * disagrees with the others, names a file outside the store, or holds non-finite features. Bad
 * input, not a bug: the message names the store, the file (and the split, sample and column for
 * bad values) and what to do, in one line.
 */
public class InvalidStoreException extends FeatureException {
    private static final long serialVersionUID = 1L;

    public InvalidStoreException(String message) {
        super(message);
    }

    public InvalidStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
