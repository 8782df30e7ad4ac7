package dev.cggm.features.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a run did.
 *
 * @param store   the store directory
 * @param device  the device sessions ran on
 * @param splits  per split, in order
 * @param seconds wall time
 */
public record ExtractionResult(Path store, String device, Map<String, SplitSummary> splits, double seconds) {
    /**
     * @param samples       entries in the split (after --limit)
     * @param rows          rows in the store
     * @param errors        bad samples skipped (listed in the manifest)
     * @param processed     entries processed by this run
     * @param resumedShards shards found finished and skipped
     */
    public record SplitSummary(long samples, long rows, long errors, long processed, int resumedShards) {
    }

    /** Entries processed by this run, over all splits. */
    public long processed() {
        return splits.values().stream().mapToLong(SplitSummary::processed).sum();
    }
}
