package dev.cggm.features.pipeline;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.tokenize.Tokens;

/**
 * A sample after decoding and tokenizing on a worker thread: either ready for the encoders or
 * rejected with the reason.
 */
record Prepared(long position, String id, long label, Tokens tokens, float[] pixels, BadSampleException error) {
    static Prepared ok(long position, String id, long label, Tokens tokens, float[] pixels) {
        return new Prepared(position, id, label, tokens, pixels, null);
    }

    static Prepared bad(long position, BadSampleException error) {
        return new Prepared(position, error.sampleId(), -1, null, null, error);
    }

    boolean isBad() {
        return error != null;
    }
}
