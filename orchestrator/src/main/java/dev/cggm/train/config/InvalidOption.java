package dev.cggm.train.config;

/**
 * A training option that is missing, out of range, of the wrong type or unknown. {@link #field()}
 * is its path in the configuration ({@code optimizer.lr}, {@code method.rho}); each surface (CLI
 * flags, API fields) names it its own way, the message stays the same.
 */
public final class InvalidOption extends IllegalArgumentException {
    private final String field;
    private final String reason;

    public InvalidOption(String field, String reason) {
        super(field.isEmpty() ? reason : field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    /** The option's path in the configuration. */
    public String field() {
        return field;
    }

    /** What is wrong, without the field name. */
    public String reason() {
        return reason;
    }

    /** The same problem at a path one level deeper ({@code prefix.field}). */
    public InvalidOption under(String prefix) {
        String path = prefix.isEmpty() ? field : field.isEmpty() ? prefix : prefix + "." + field;
        return new InvalidOption(path, reason);
    }

    // ---------------------------------------------------------------- checks for option records

    /** A finite number > 0. */
    public static double positive(String field, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new InvalidOption(field, "must be a finite number > 0, got " + v);
        }
        return v;
    }

    /** A finite number >= 0. */
    public static double nonNegative(String field, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw new InvalidOption(field, "must be a finite number >= 0, got " + v);
        }
        return v;
    }

    /** A finite number in [lo, hi] ({@code hiOpen}: [lo, hi)). */
    public static double within(String field, double v, double lo, double hi, boolean hiOpen) {
        if (!Double.isFinite(v) || v < lo || v > hi || (hiOpen && v == hi)) {
            throw new InvalidOption(field, "must be in [" + lo + ", " + hi + (hiOpen ? ")" : "]") + ", got " + v);
        }
        return v;
    }

    /** An integer in [min, max]. */
    public static int range(String field, int v, int min, int max) {
        if (v < min || v > max) {
            throw new InvalidOption(field, max == Integer.MAX_VALUE ? "must be >= " + min + ", got " + v
                    : "must be in " + min + ".." + max + ", got " + v);
        }
        return v;
    }

    /** A value that must be present. */
    public static <T> T required(String field, T v) {
        if (v == null || (v instanceof String s && s.isBlank())) {
            throw new InvalidOption(field, "is required");
        }
        return v;
    }
}
