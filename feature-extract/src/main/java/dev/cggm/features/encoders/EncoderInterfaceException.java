package dev.cggm.features.encoders;

import dev.cggm.features.FeatureException;

/** An encoder model whose inputs or outputs do not match the interface it is used for, or a tokenizer that does not fit it. */
public final class EncoderInterfaceException extends FeatureException {
    private static final long serialVersionUID = 1L;

    public EncoderInterfaceException(String message) {
        super(message);
    }

    public EncoderInterfaceException(String message, Throwable cause) {
        super(message, cause);
    }
}
