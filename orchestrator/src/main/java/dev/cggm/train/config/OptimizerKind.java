package dev.cggm.train.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The optimizers, with PyTorch's semantics. */
public enum OptimizerKind {
    ADAMW, ADAM, SGD;

    @JsonValue
    public String id() {
        return Choice.id(this);
    }

    @JsonCreator
    public static OptimizerKind of(String id) {
        return Choice.parse(OptimizerKind.class, "", id);
    }
}
