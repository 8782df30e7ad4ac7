package dev.cggm.train.method;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The typed options of one balancing method: a record whose compact constructor validates
 * every field (throwing {@link dev.cggm.train.config.InvalidOption} with the field's name), and
 * whose components carry {@link Doc}. The same record is the method's part of
 * {@code config.json} ({@code "method": {"id": "cggm", "rho": 1.3, …}}), of the gRPC
 * {@code TrainOptions.method_options} and of the command line's method flags.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "id")
public interface MethodOptions {
}
