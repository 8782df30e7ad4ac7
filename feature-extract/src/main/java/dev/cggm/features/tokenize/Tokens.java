package dev.cggm.features.tokenize;

/**
 * One text tokenized to a fixed length: ids, attention mask and token type ids, each of exactly
 * {@code maxLength} entries (padded on the right), and the number of real (non-padding) tokens.
 */
public record Tokens(long[] ids, long[] attentionMask, long[] typeIds, int length) {
}
