package dev.cggm.features.pipeline;

/** Receives extraction progress, split by split. Called from the extraction thread. */
public interface ProgressListener {
    /** A split starts; {@code done} of its {@code total} entries are already in finished shards. */
    void splitStarted(String split, long total, long done);

    /** {@code n} more entries were processed (written or skipped as bad). */
    void advanced(long n);

    /** The split is finished. */
    void splitFinished(String split, long rows, long errors);

    /** Ignores everything. */
    static ProgressListener none() {
        return new ProgressListener() {
            @Override
            public void splitStarted(String split, long total, long done) {
            }

            @Override
            public void advanced(long n) {
            }

            @Override
            public void splitFinished(String split, long rows, long errors) {
            }
        };
    }
}
