package dev.cggm.train.method.igm;

import java.util.List;

/**
 * IGM's alternating schedule: stage 0 trains the first modality (model order) for its stage
 * length, stage 1 the second, and so on, cycling through the modalities (three modalities cycle
 * 0, 1, 2, 0, …) until the run's epochs end. A pure function of the epoch, so a resumed run is in
 * the same stage as an uninterrupted one.
 *
 * @param lengths    epochs of each modality's stages, in model order (one per modality)
 */
public record IgmStages(List<Integer> lengths) {
    /**
     * One stage.
     *
     * @param index      0-based position in the schedule
     * @param modality   index of the modality it trains (model order)
     * @param firstEpoch its first epoch (0-based)
     * @param length     its length in epochs
     */
    public record Stage(int index, int modality, int firstEpoch, int length) {
        /** Whether {@code epoch} is this stage's first. */
        public boolean startsAt(int epoch) {
            return epoch == firstEpoch;
        }

        /** The epoch's position within the stage (0 at its start). */
        public int epochInStage(int epoch) {
            return epoch - firstEpoch;
        }
    }

    public IgmStages {
        lengths = List.copyOf(lengths);
        if (lengths.isEmpty() || lengths.stream().anyMatch(n -> n == null || n < 1)) {
            throw new IllegalArgumentException("stage lengths must be >= 1 epoch each, got " + lengths);
        }
    }

    /** {@code lengths} for {@code modalities} modalities: one per modality, or one value for all. */
    public static IgmStages of(List<Integer> lengths, int modalities) {
        if (lengths.size() == 1) {
            return new IgmStages(java.util.Collections.nCopies(modalities, lengths.get(0)));
        }
        if (lengths.size() != modalities) {
            throw new IllegalArgumentException("stage_epochs has " + lengths.size() + " values but the model has "
                    + modalities + " modalities; give one per modality (in model order) or one for all");
        }
        return new IgmStages(lengths);
    }

    /**
     * The default schedule of a run of {@code epochs} epochs: two cycles through the modalities
     * (as the official Kinetics-Sounds, Sarcasm and Twitter schedules have), every stage
     * ⌊epochs / 2M⌋ epochs long (at least one); epochs left over continue the cycle.
     */
    public static IgmStages auto(int epochs, int modalities) {
        return new IgmStages(java.util.Collections.nCopies(modalities, Math.max(1, epochs / (2 * modalities))));
    }

    /** The stage that contains {@code epoch}. */
    public Stage at(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        int cycle = lengths.stream().mapToInt(Integer::intValue).sum();
        int m = lengths.size();
        int full = epoch / cycle;
        int first = full * cycle;
        int index = full * m;
        for (int k = 0; ; k++, index++) {
            int len = lengths.get(k);
            if (epoch < first + len) {
                return new Stage(index, k, first, len);
            }
            first += len;
        }
    }
}
