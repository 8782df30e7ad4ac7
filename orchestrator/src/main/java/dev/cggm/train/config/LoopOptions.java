package dev.cggm.train.config;

/**
 * The training loop.
 *
 * @param seed            seeds data order, dropout masks, initial weights and a method's draws
 * @param clip            max gradient norm of the model (0: no clipping)
 * @param checkpointEvery also checkpoint every N steps (0: at epoch ends only)
 */
public record LoopOptions(int epochs, int batchSize, long seed, double clip, boolean dropout, int checkpointEvery,
                          SelectBy selectBy) {
    public LoopOptions {
        InvalidOption.range("epochs", epochs, 1, 1_000_000);
        InvalidOption.range("batch_size", batchSize, 1, 100_000);
        InvalidOption.nonNegative("clip", clip);
        InvalidOption.range("checkpoint_every", checkpointEvery, 0, Integer.MAX_VALUE);
        InvalidOption.required("select_by", selectBy);
    }
}
