package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads Python pickles holding numpy arrays, in the JVM (Pyrolite's unpickler, protocols 0–5),
 * rebuilding arrays as {@link NdArray}: numpy 1.x ({@code numpy.core…}) and 2.x
 * ({@code numpy._core…}) pickles, {@code _reconstruct} + {@code __setstate__} (protocols ≤ 4)
 * and {@code _frombuffer} (protocol 5), {@code dtype} objects and numpy scalars. Dicts become
 * {@code Map}s, lists {@code List}s, tuples {@code Object[]}, bytes {@code byte[]}. No Python
 * code runs: other classes become inert dictionaries.
 */
public final class NumpyPickle {
    static {
        IObjectConstructor reconstruct = args -> new NdArray();
        IObjectConstructor dtype = args -> {
            if (args.length == 0 || !(args[0] instanceof String descr)) {
                throw new PickleException("numpy.dtype needs a type string");
            }
            return NumpyDtype.parse(descr);
        };
        IObjectConstructor frombuffer = NumpyPickle::fromBuffer;
        IObjectConstructor scalar = NumpyPickle::scalar;
        for (String core : List.of("numpy.core", "numpy._core")) {
            Unpickler.registerConstructor(core + ".multiarray", "_reconstruct", reconstruct);
            Unpickler.registerConstructor(core + ".multiarray", "scalar", scalar);
            Unpickler.registerConstructor(core + ".numeric", "_frombuffer", frombuffer);
        }
        Unpickler.registerConstructor("numpy", "dtype", dtype);
    }

    private NumpyPickle() {
    }

    /**
     * Loads the pickle in {@code file}.
     *
     * @throws FeatureException with one line saying what is wrong (truncated, not a pickle, unsupported content)
     */
    public static Object load(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            return load(in, file.toString());
        } catch (IOException e) {
            throw new FeatureException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads a pickle from a stream; {@code what} names it in errors. */
    public static Object load(InputStream in, String what) {
        Unpickler u = new Unpickler();
        try {
            return u.load(in);
        } catch (EOFException e) {
            throw truncated(what, e);
        } catch (IOException | RuntimeException e) {
            Throwable cause = rootCause(e);
            if (cause instanceof FeatureException f) {
                throw new FeatureException(what + ": " + f.getMessage(), f);
            }
            if (cause instanceof EOFException || String.valueOf(cause.getMessage()).contains("premature end")) {
                throw truncated(what, e);
            }
            if (cause instanceof OutOfMemoryError || cause instanceof NegativeArraySizeException) {
                throw new FeatureException(what + ": an array in the pickle is too large to read in the JVM (over 2 "
                        + "GiB, or more than the heap; raise -Xmx through CGGM_JAVA_OPTS)", e);
            }
            throw new FeatureException(what + " is not a readable pickle (" + describe(cause)
                    + "); the file may be truncated or corrupt", e);
        } finally {
            u.close();
        }
    }

    private static FeatureException truncated(String what, Throwable e) {
        return new FeatureException(what + " ends in the middle of the pickle (truncated file?); re-create or "
                + "re-download it", e);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while ((t instanceof PickleException || t instanceof InvocationTargetException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Protocol 5: {@code _frombuffer(buffer, dtype, shape, order)}. */
    private static Object fromBuffer(Object[] args) {
        if (args.length < 4 || !(args[1] instanceof NumpyDtype d)) {
            throw new PickleException("unexpected arguments to numpy _frombuffer");
        }
        byte[] data = args[0] instanceof byte[] b ? b : null;
        if (data == null) {
            throw new PickleException("numpy _frombuffer without in-band data (out-of-band buffers are not supported)");
        }
        return NdArray.ofBytes(d, NdArray.toShape(args[2]), "F".equals(args[3]), data);
    }

    /** A numpy scalar, {@code scalar(dtype, bytes)}: returned as a Java number or string. */
    private static Object scalar(Object[] args) {
        if (args.length < 2 || !(args[0] instanceof NumpyDtype d)) {
            throw new PickleException("unexpected arguments to numpy scalar");
        }
        byte[] data = args[1] instanceof byte[] b ? b
                : String.valueOf(args[1]).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        NdArray a = NdArray.ofBytes(d, new int[0], false, data);
        return switch (d.kind()) {
            case 'f' -> a.getDouble(0);
            case 'i', 'u', 'b' -> a.getLong(0);
            default -> a.getString(0);
        };
    }
}
