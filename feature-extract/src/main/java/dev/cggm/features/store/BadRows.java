package dev.cggm.features.store;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.FeatureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a bad sample: by default it is skipped, logged (the first few) and listed in
 * the manifest; under {@code --strict} it stops the run (finished shards are kept).
 */
public final class BadRows {
    private static final Logger LOG = LoggerFactory.getLogger(BadRows.class);
    private static final int MAX_LOGGED = 20;

    private final boolean strict;
    private final String listedIn;
    private int logged;

    /** @param listedIn where skipped samples are listed (named in the log) */
    public BadRows(boolean strict, String listedIn) {
        this.strict = strict;
        this.listedIn = listedIn;
    }

    /**
     * Applies the policy to a bad sample of {@code split} and returns the manifest entry to record.
     *
     * @throws FeatureException under --strict
     */
    public StoreManifest.SampleError handle(String split, BadSampleException e) {
        if (strict) {
            throw new FeatureException("bad sample in split " + split + " (--strict): " + e.getMessage()
                    + "; finished shards are kept, re-run to resume", e);
        }
        if (logged < MAX_LOGGED) {
            LOG.warn("skipping {} in split {}", e.getMessage(), split);
        } else if (logged == MAX_LOGGED) {
            LOG.warn("further bad samples are not logged; all are listed in {}", listedIn);
        }
        logged++;
        return new StoreManifest.SampleError(e.sampleId(), e.file() == null ? null : e.file().toString(), e.reason());
    }
}
