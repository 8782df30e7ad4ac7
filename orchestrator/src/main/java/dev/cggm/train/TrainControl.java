package dev.cggm.train;

/**
 * Requests to stop a run, honoured at the next step boundary after a checkpoint is written:
 * {@code pause} leaves it resumable, {@code cancel} ends it.
 */
public final class TrainControl {
    /** Why a run stopped early. */
    public enum Stop { NONE, PAUSE, CANCEL }

    private volatile Stop requested = Stop.NONE;

    public void requestPause() {
        requested = Stop.PAUSE;
    }

    public void requestCancel() {
        requested = Stop.CANCEL;
    }

    public Stop requested() {
        return requested;
    }
}
