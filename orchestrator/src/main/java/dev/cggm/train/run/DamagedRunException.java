package dev.cggm.train.run;

import java.io.IOException;

/**
 * A run directory that cannot be continued as it is — a file or directory the run needs is
 * missing or unreadable. The message says exactly what (and what is intact); nothing in the
 * directory was changed or deleted, so restoring what is missing and resuming again works.
 */
public final class DamagedRunException extends IOException {
    private static final long serialVersionUID = 1L;

    public DamagedRunException(String message) {
        super(message);
    }
}
