package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;

import java.nio.ByteOrder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A numpy scalar type as numpy describes it ({@code '<f4'}, {@code '|S12'}, {@code '<U7'},
 * {@code '|O'}, …): kind, item size in bytes and byte order. Also the object numpy's pickles
 * build for {@code numpy.dtype(…)}: its byte order arrives afterwards through
 * {@link #__setstate__} (the unpickler calls it).
 */
public final class NumpyDtype {
    private static final Pattern DESCR = Pattern.compile("([<>|=]?)([a-zA-Z?])(\\d*)");

    private char kind;
    private int itemSize;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    private NumpyDtype(char kind, int itemSize) {
        this.kind = kind;
        this.itemSize = itemSize;
    }

    /**
     * Parses a descr string as in {@code .npy} headers and {@code numpy.dtype} arguments.
     *
     * @throws FeatureException for structured or unknown types
     */
    public static NumpyDtype parse(String descr) {
        Matcher m = DESCR.matcher(descr.trim());
        if (!m.matches()) {
            throw new FeatureException("unsupported numpy dtype '" + descr + "' (structured dtypes are not supported)");
        }
        char kind = m.group(2).charAt(0);
        int n = m.group(3).isEmpty() ? -1 : Integer.parseInt(m.group(3));
        int size = switch (kind) {
            case 'f', 'i', 'u' -> n;
            case 'b' -> n > 0 ? n : 1; // 'b1' bool, 'b' int8 in the char form
            case '?' -> 1;
            case 'S', 'a' -> Math.max(n, 0);
            case 'U' -> 4 * Math.max(n, 0);
            case 'O' -> 8;
            case 'd' -> 8;
            case 'e' -> 2;
            default -> throw new FeatureException("unsupported numpy dtype '" + descr + "'");
        };
        if (kind == 'd' || kind == 'e') {
            kind = 'f';
        }
        if (kind == 'b' && n < 0) {
            kind = 'i'; // numpy's 'b' character code is int8
        } else if (kind == 'b' || kind == '?') {
            kind = 'b';
        }
        if (kind == 'a') {
            kind = 'S';
        }
        if ((kind == 'f' && size != 2 && size != 4 && size != 8) || ((kind == 'i' || kind == 'u')
                && size != 1 && size != 2 && size != 4 && size != 8)) {
            throw new FeatureException("unsupported numpy dtype '" + descr + "'");
        }
        NumpyDtype d = new NumpyDtype(kind, size);
        d.order = ">".equals(m.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return d;
    }

    /**
     * numpy's dtype state tuple: {@code (version, byteorder, subarray, names, fields, elsize,
     * alignment, flags)}. Only the byte order (and a flexible type's size) matter here.
     */
    public void __setstate__(Object[] state) {
        if (state.length > 1 && state[1] instanceof String bo) {
            order = ">".equals(bo) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        }
        if (state.length > 4 && state[3] != null) {
            throw new FeatureException("structured numpy arrays (record dtypes) are not supported");
        }
        if (state.length > 5 && state[5] instanceof Number elsize && elsize.intValue() > 0
                && (kind == 'S' || kind == 'U')) {
            itemSize = elsize.intValue();
        }
    }

    /** {@code f} float, {@code i} signed, {@code u} unsigned, {@code b} bool, {@code S} bytes, {@code U} text, {@code O} objects. */
    public char kind() {
        return kind;
    }

    public int itemSize() {
        return itemSize;
    }

    public ByteOrder order() {
        return order;
    }

    public boolean isNumeric() {
        return kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b';
    }

    @Override
    public String toString() {
        return (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + kind + itemSize;
    }
}
