package dev.cggm.spark;

import java.io.Serializable;

/**
 * What a task reports back: the shard it committed, its rows and bad samples, and where it ran.
 *
 * @param attempt the Spark task attempt id whose files were committed
 */
record TaskOutcome(String split, int index, long rows, int errors, String device, String executor, long attempt)
        implements Serializable {
    private static final long serialVersionUID = 1L;
}
