package dev.cggm.train.method;

import dev.cggm.train.ParameterSet;

import java.nio.FloatBuffer;

/** A second set of gradient buffers (one per parameter, same sizes), filled by {@link StepContext#rerun}. */
public interface GradientBuffers {
    /** The gradient buffer of a parameter. */
    FloatBuffer of(ParameterSet.Param p);
}
