package dev.cggm.server;

import dev.cggm.api.v1.JobState;

/** Small conversions between API messages and text. */
final class Protos {
    private Protos() {
    }

    /** "RUNNING" for JOB_STATE_RUNNING. */
    static String stateName(JobState s) {
        return s.name().startsWith("JOB_STATE_") ? s.name().substring("JOB_STATE_".length()) : s.name();
    }
}
