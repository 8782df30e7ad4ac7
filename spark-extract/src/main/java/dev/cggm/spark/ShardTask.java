package dev.cggm.spark;

import java.io.Serializable;
import java.util.List;

/**
 * One Spark partition: shard {@code index} of {@code split}, covering {@code expectedEntries}
 * dataset entries from {@code firstEntry}, with those entries in dataset order.
 */
record ShardTask(String split, int index, long firstEntry, long expectedEntries, List<SampleRow> samples)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code split/index}, as in messages and fault injection. */
    String key() {
        return split + "/" + index;
    }
}
