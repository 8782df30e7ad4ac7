package dev.cggm.onnx.graph;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One tensor dimension: either a known size or a symbol such as {@code batch}. Symbols compare by
 * name, so two values whose dimension is {@code batch} are known to agree even though the size is
 * only fixed at run time. Dimensions that shape inference cannot name get a fresh symbol that
 * equals nothing else.
 */
public final class Dim {
    private static final AtomicLong UNKNOWN_COUNTER = new AtomicLong();

    private final long size;
    private final String symbol;

    private Dim(long size, String symbol) {
        this.size = size;
        this.symbol = symbol;
    }

    /** A dimension of known size. */
    public static Dim of(long size) {
        if (size < 0) {
            throw new GraphException("dimension size must be >= 0, got " + size);
        }
        return new Dim(size, null);
    }

    /** A named symbolic dimension. */
    public static Dim sym(String symbol) {
        Objects.requireNonNull(symbol, "symbol");
        return new Dim(-1, symbol);
    }

    /** A dimension nobody can name: equal only to itself. */
    public static Dim unknown() {
        return new Dim(-1, "?" + UNKNOWN_COUNTER.incrementAndGet());
    }

    public boolean isKnown() {
        return symbol == null;
    }

    /** True for dimensions shape inference could not name (see {@link #unknown()}). */
    public boolean isUnknown() {
        return symbol != null && symbol.startsWith("?");
    }

    /** The size; only valid when {@link #isKnown()}. */
    public long size() {
        if (!isKnown()) {
            throw new GraphException("dimension '" + symbol + "' has no static size");
        }
        return size;
    }

    public String symbol() {
        return symbol;
    }

    public boolean isOne() {
        return isKnown() && size == 1;
    }

    /** Sum of two dimensions, symbolic when either is ({@code a+b}). */
    public Dim plus(Dim other) {
        if (isKnown() && other.isKnown()) {
            return of(size + other.size);
        }
        if (isKnown() && size == 0) {
            return other;
        }
        if (other.isKnown() && other.size == 0) {
            return this;
        }
        if (isUnknown() || other.isUnknown()) {
            return unknown();
        }
        return sym(this + "+" + other);
    }

    /** Product of two dimensions, symbolic when either is ({@code a*b}). */
    public Dim times(Dim other) {
        if (isKnown() && other.isKnown()) {
            return of(size * other.size);
        }
        if (isOne()) {
            return other;
        }
        if (other.isOne()) {
            return this;
        }
        if (isUnknown() || other.isUnknown()) {
            return unknown();
        }
        return sym("(" + this + ")*(" + other + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dim d && d.size == size && Objects.equals(d.symbol, symbol);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, symbol);
    }

    @Override
    public String toString() {
        return isKnown() ? Long.toString(size) : symbol;
    }
}
