package dev.cggm.train.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Learning-rate schedules of the model optimizer. */
public enum ScheduleKind {
    /** ReduceLROnPlateau on the validation loss. */
    PLATEAU,
    /** Cosine decay with linear warm-up, per step. */
    COSINE,
    /** StepLR: ×gamma every step_size epochs. */
    STEP,
    /** A constant rate. */
    NONE;

    @JsonValue
    public String id() {
        return Choice.id(this);
    }

    @JsonCreator
    public static ScheduleKind of(String id) {
        return Choice.parse(ScheduleKind.class, "", id);
    }
}
