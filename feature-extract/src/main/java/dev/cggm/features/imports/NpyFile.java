package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads numpy's {@code .npy} files (format versions 1.0, 2.0 and 3.0, as {@code numpy.save}
 * writes them): the magic {@code \x93NUMPY}, a version, a little-endian header length (2 bytes
 * in 1.0, 4 after), a Python dict literal {@code {'descr': '<f8', 'fortran_order': False,
 * 'shape': (3, 4), }} padded with spaces, then the data. Numeric, {@code S} and {@code U} arrays
 * are raw bytes; object arrays ({@code descr '|O'}, saved with {@code allow_pickle}) are a pickle
 * of the array, read by {@link NumpyPickle}. Structured dtypes are not supported.
 */
public final class NpyFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFile() {
    }

    /** Reads the array in {@code file}; a malformed or truncated file is a one-line {@link FeatureException}. */
    public static NdArray read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FeatureException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new FeatureException(file + " is not a numpy .npy file (no \\x93NUMPY magic)");
        }
        int major = all[6];
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) {
                throw truncated(file);
            }
            headerLen = b.getInt(8) & 0xffffffffL;
            start = 12;
        } else {
            throw new FeatureException(file + ": unsupported .npy format version " + major + "." + all[7]);
        }
        if (start + headerLen > all.length) {
            throw truncated(file);
        }
        String header = new String(all, start, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int dataStart = start + (int) headerLen;
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new FeatureException(file + ": .npy header not understood (" + header.trim()
                    + "); structured dtypes are not supported");
        }
        int[] dims = parseShape(shape.group(1), file);
        boolean f = "True".equals(fortran.group(1));
        NumpyDtype dtype = NumpyDtype.parse(descr.group(1));
        byte[] data = Arrays.copyOfRange(all, dataStart, all.length);
        try {
            if (dtype.kind() == 'O') {
                Object o = NumpyPickle.load(new ByteArrayInputStream(data), file.toString());
                return objectArray(o, dims, f, file);
            }
            long need = dtype.itemSize();
            for (int d : dims) {
                need *= d;
            }
            if (data.length < need) {
                throw truncated(file);
            }
            return NdArray.ofBytes(dtype, dims, f, data.length == need ? data : Arrays.copyOf(data, (int) need));
        } catch (FeatureException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new FeatureException(file + ": " + e.getMessage(), e);
        }
    }

    private static NdArray objectArray(Object o, int[] dims, boolean fortran, Path file) {
        if (o instanceof NdArray a) {
            return a;
        }
        if (o instanceof List<?> list) {
            return NdArray.ofObjects(dims, fortran, flatten(list));
        }
        throw new FeatureException(file + ": object array pickle holds a " + o.getClass().getSimpleName());
    }

    private static List<Object> flatten(List<?> list) {
        List<Object> out = new ArrayList<>();
        for (Object x : list) {
            if (x instanceof List<?> inner) {
                out.addAll(flatten(inner));
            } else {
                out.add(x);
            }
        }
        return out;
    }

    private static int[] parseShape(String s, Path file) {
        List<Integer> dims = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                try {
                    dims.add(Integer.parseInt(t.endsWith("L") ? t.substring(0, t.length() - 1) : t));
                } catch (NumberFormatException e) {
                    throw new FeatureException(file + ": bad shape (" + s + ") in the .npy header");
                }
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static FeatureException truncated(Path file) {
        return new FeatureException(file + " is truncated (its header promises more data than the file holds)");
    }
}
