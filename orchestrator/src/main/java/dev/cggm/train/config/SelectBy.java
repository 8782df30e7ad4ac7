package dev.cggm.train.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the best model is picked on the validation split. */
public enum SelectBy {
    /** The task's selection metric (accuracy; MAE for regression). */
    METRIC,
    /** The validation loss. */
    LOSS;

    @JsonValue
    public String id() {
        return Choice.id(this);
    }

    @JsonCreator
    public static SelectBy of(String id) {
        return Choice.parse(SelectBy.class, "", id);
    }
}
